import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger, openLedgerDb, type OpenedLedgerDb } from "@/lib/ledger";
import type { NewTransferOrder } from "@/lib/ledger/transfer-orders";
import { startPostgres, type TestPostgres } from "../support/postgres";

// Two pools on one PostgreSQL database stand for two server processes.
describe("transfer orders across processes", () => {
  let server: TestPostgres;
  let first: OpenedLedgerDb;
  let second: OpenedLedgerDb;

  beforeAll(async () => {
    server = await startPostgres();
    [first, second] = await Promise.all([openLedgerDb({ databaseUrl: server.url }), openLedgerDb({ databaseUrl: server.url })]);
  });

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await server?.stop();
  });

  const order = (txHash: string): NewTransferOrder => ({
    network: "eip155:31337",
    txHash,
    agentId: "00000000-0000-0000-0000-000000000001",
    payer: "0x1111111111111111111111111111111111111111",
    payTo: "0x2222222222222222222222222222222222222222",
    asset: "0x3333333333333333333333333333333333333333",
    amount: "10000",
  });

  it("a hash is claimed by exactly one of 20 concurrent claims, whatever its spelling", async () => {
    const stores = [new Ledger(first.db).transferOrders(), new Ledger(second.db).transferOrders()];
    const hash = `0x${"aB".repeat(32)}`;
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.claim(order(i % 3 ? hash : hash.toLowerCase()))));
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
  });

  it("a failed run is taken back by exactly one process; a completed one by none", async () => {
    const stores = [new Ledger(first.db).transferOrders(), new Ledger(second.db).transferOrders()];
    const hash = `0x${"cd".repeat(32)}`;
    const claim = await stores[0]!.claim(order(hash));
    if (!claim.claimed) throw new Error("not claimed");
    await stores[0]!.fail(claim.order.id, "no output");
    const retries = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2]!.claim(order(hash))));
    const winners = retries.filter((c) => c.claimed);
    expect(winners).toHaveLength(1);
    await stores[1]!.complete(claim.order.id);
    const after = await Promise.all(stores.map((s) => s.claim(order(hash))));
    expect(after).toEqual([
      { claimed: false, existing: expect.objectContaining({ status: "completed" }) },
      { claimed: false, existing: expect.objectContaining({ status: "completed" }) },
    ]);
  });

  it("a run left running by a process that died is taken back after STALE_RUN_MS, by one process", async () => {
    const stores = [new Ledger(first.db).transferOrders(), new Ledger(second.db).transferOrders()];
    const hash = `0x${"ef".repeat(32)}`;
    const claim = await stores[0]!.claim(order(hash));
    if (!claim.claimed) throw new Error("not claimed");
    expect((await stores[1]!.claim(order(hash))).claimed).toBe(false); // running now: nobody else
    await first.db.execute(sql`update transfer_orders set updated_at = now() - interval '11 minutes' where id = ${claim.order.id}`);
    const retries = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2]!.claim(order(hash))));
    expect(retries.filter((c) => c.claimed)).toHaveLength(1);
  });
});
