import { randomBytes, randomUUID } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import type { Channel } from "@x402/evm/batch-settlement/server";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLedgerDb, type LedgerDb, type OpenedLedgerDb } from "@/lib/ledger/db";
import { StaleChannelState, TabLedger, type PendingCharge } from "@/lib/ledger/tabs";
import { startPostgres, type TestPostgres } from "@/test/support/postgres";

const NETWORK = "eip155:31337";
const PAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const RECEIVER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

const newChannelId = () => `0x${randomBytes(32).toString("hex")}`;

function channel(channelId: string, over: Partial<Channel> = {}): Channel {
  return {
    channelId,
    channelConfig: {
      payer: PAYER,
      payerAuthorizer: PAYER,
      receiver: RECEIVER,
      receiverAuthorizer: RECEIVER,
      token: TOKEN,
      withdrawDelay: 900,
      salt: `0x${"00".repeat(32)}`,
    },
    chargedCumulativeAmount: "0",
    signedMaxClaimable: "0",
    signature: "0x",
    balance: "1000000",
    totalClaimed: "0",
    withdrawRequestedAt: 0,
    refundNonce: 0,
    lastRequestTimestamp: 0,
    ...over,
  };
}

/** One charge of `amount` on the channel, as the SDK's server scheme writes it. */
const charge = (amount: bigint) => (current: Channel | undefined) =>
  current && { ...current, chargedCumulativeAmount: (BigInt(current.chargedCumulativeAmount) + amount).toString() };

/** The SDK's settle of a voucher: the reservation cleared and `amount` added (0 added when over the voucher's cap). */
const commit = (amount: bigint) => (current: Channel | undefined) =>
  current && { ...current, chargedCumulativeAmount: (BigInt(current.chargedCumulativeAmount) + amount).toString(), pendingRequest: undefined };
const PENDING = { pendingId: "p", signedMaxClaimable: "0", expiresAt: Number.MAX_SAFE_INTEGER };

const pendingCharge = (channelId: string, amount: bigint): PendingCharge => ({
  id: randomUUID(),
  channelId,
  amount,
  agentId: "agent",
  payer: PAYER,
  inputTokens: 12,
  outputTokens: 34,
});

describe.each(["PGlite", "PostgreSQL"] as const)("tabs in the ledger on %s", (backend) => {
  let server: TestPostgres | undefined;
  let opened: OpenedLedgerDb[] = [];
  let tabs: TabLedger;

  beforeAll(async () => {
    if (backend === "PGlite") {
      opened = [await openLedgerDb({ dataDir: "memory://" })];
    } else {
      server = await startPostgres();
      // Two pools on one database: two app processes.
      opened = await Promise.all([openLedgerDb({ databaseUrl: server.url }), openLedgerDb({ databaseUrl: server.url })]);
    }
    tabs = new TabLedger(opened[0]!.db, NETWORK);
  });
  afterAll(async () => {
    await Promise.all(opened.map((o) => o.close()));
    await server?.stop();
  });

  it("stores, reads, lists and deletes a channel by its id, in any case", async () => {
    const id = newChannelId();
    expect(await tabs.get(id)).toBeUndefined();
    const created = await tabs.updateChannel(id.toUpperCase().replace("0X", "0x"), () => channel(id));
    expect(created.status).toBe("updated");
    expect(await tabs.get(id)).toEqual(channel(id));
    expect((await tabs.list()).map((c) => c.channelId)).toContain(id);
    expect((await tabs.updateChannel(id, (c) => c)).status).toBe("unchanged");
    expect((await tabs.updateChannel(id, () => undefined)).status).toBe("deleted");
    expect(await tabs.get(id)).toBeUndefined();
  });

  it("charges a channel it knows in one statement, and reads a row changed or deleted outside it again, never overwriting it", async () => {
    const statements: string[] = [];
    // node-postgres's drizzle logs begin and commit too; PGlite's sends them itself.
    const logger = { logQuery: (query: string) => void (/^(begin|commit)$/.test(query) || statements.push(query)) };
    const client = (opened[0]!.db as unknown as { $client: unknown }).$client;
    const db = backend === "PGlite" ? drizzlePglite({ client: client as PGlite, logger }) : drizzlePg({ client: client as pg.Pool, logger });
    const counted = new TabLedger(db as unknown as LedgerDb, NETWORK);
    const id = newChannelId();
    await counted.updateChannel(id, () => channel(id));
    statements.length = 0;
    expect((await counted.updateChannel(id, charge(1_000n))).channel?.chargedCumulativeAmount).toBe("1000");
    expect(statements).toHaveLength(1);

    // Changed outside this store (another process, or SQL): the swap finds another state and the row is read again.
    await tabs.updateChannel(id, () => channel(id, { chargedCumulativeAmount: "5000" }));
    expect((await counted.updateChannel(id, charge(1_000n))).channel?.chargedCumulativeAmount).toBe("6000");
    // Deleted outside (the claimer's restart test truncates channels): not recreated from what this store knew.
    await opened[0]!.db.execute(sql`delete from channels where channel_id = ${id}`);
    expect(await counted.updateChannel(id, charge(1_000n))).toEqual({ channel: undefined, status: "unchanged" });
    expect(await tabs.get(id)).toBeUndefined();
  });

  /** A store on the same database whose statements are counted (begin and commit left out). */
  function countedStore(cap?: number) {
    const statements: string[] = [];
    const logger = { logQuery: (query: string) => void (/^(begin|commit)$/.test(query) || statements.push(query)) };
    const client = (opened[0]!.db as unknown as { $client: unknown }).$client;
    const db = backend === "PGlite" ? drizzlePglite({ client: client as PGlite, logger }) : drizzlePg({ client: client as pg.Pool, logger });
    return { statements, store: new TabLedger(db as unknown as LedgerDb, NETWORK, cap) };
  }

  it("commits a charge and inserts its history row in one statement, also after a change outside; a settle that charges nothing else writes no row", async () => {
    const { statements, store } = countedStore();
    const id = newChannelId();
    await store.updateChannel(id, () => channel(id, { pendingRequest: PENDING }));
    statements.length = 0;
    const first = pendingCharge(id, 1_000n);
    const result = await store.chargingWith(first, () => store.updateChannel(id, commit(1_000n)));
    expect(result.channel?.chargedCumulativeAmount).toBe("1000");
    expect(statements).toHaveLength(1);
    expect(first.written).toEqual({ cumulative: "1000" });

    // Changed outside (another process charged and reserved again): the locked read-and-write, row included.
    await tabs.updateChannel(id, () => channel(id, { chargedCumulativeAmount: "5000", pendingRequest: PENDING }));
    const second = pendingCharge(id.toUpperCase().replace("0X", "0x"), 1_000n);
    await store.chargingWith(second, () => store.updateChannel(id, commit(1_000n)));
    expect(second.written).toEqual({ cumulative: "6000" });

    // Over the voucher's cap the SDK clears the reservation and charges nothing: no row. Nor for an update outside
    // a charge, nor for another channel's update within one.
    await store.updateChannel(id, (c) => c && { ...c, pendingRequest: PENDING });
    const refused = pendingCharge(id, 1_000n);
    await store.chargingWith(refused, () => store.updateChannel(id, commit(0n)));
    expect(refused.written).toBeUndefined();
    await store.updateChannel(id, (c) => c && { ...c, pendingRequest: PENDING });
    await store.updateChannel(id, commit(1_000n));
    const other = newChannelId();
    await store.updateChannel(other, () => channel(other, { pendingRequest: PENDING }));
    const elsewhere = pendingCharge(id, 1_000n);
    await store.chargingWith(elsewhere, () => store.updateChannel(other, commit(1_000n)));
    expect(elsewhere.written).toBeUndefined();

    const events = await tabs.listEvents(id);
    expect(events.map((e) => [e.id, e.kind, e.amount, e.cumulative, e.payer, e.agentId, e.inputTokens, e.outputTokens])).toEqual([
      [first.id, "charge", "1000", "1000", PAYER.toLowerCase(), "agent", 12, 34],
      [second.id, "charge", "1000", "6000", PAYER.toLowerCase(), "agent", 12, 34],
    ]);
    expect(await tabs.listEvents(other)).toEqual([]);
  });

  it("recalls a channel it knows without a statement; a strict update on a row changed outside refuses and forgets it", async () => {
    const { statements, store } = countedStore();
    const id = newChannelId();
    await store.updateChannel(id, () => channel(id));
    statements.length = 0;
    expect(await store.recalled(id)).toEqual({ channel: channel(id), cached: true });
    expect(statements).toHaveLength(0);
    expect((await store.updateChannel(id, charge(1_000n), { strict: true })).channel?.chargedCumulativeAmount).toBe("1000");

    await tabs.updateChannel(id, () => channel(id, { chargedCumulativeAmount: "5000" }));
    await expect(store.updateChannel(id, charge(1_000n), { strict: true })).rejects.toBeInstanceOf(StaleChannelState);
    expect((await tabs.get(id))?.chargedCumulativeAmount).toBe("5000");
    // Forgotten: the next recall is the row's.
    expect(await store.recalled(id)).toEqual({ channel: channel(id, { chargedCumulativeAmount: "5000" }), cached: false });
  });

  it("remembers at most its cap of channels, the least recently used forgotten first", async () => {
    const { statements, store } = countedStore(2);
    const [a, b, c] = [newChannelId(), newChannelId(), newChannelId()];
    for (const id of [a, b]) await store.updateChannel(id, () => channel(id));
    await store.updateChannel(a, charge(1n)); // a is now the most recently used
    await store.updateChannel(c, () => channel(c));
    expect(store.knownChannels).toBe(2);
    // a is still known (one compare-and-swap); b was forgotten (a locked read-and-write, then known again).
    statements.length = 0;
    await store.updateChannel(a, charge(1n));
    expect(statements).toHaveLength(1);
    statements.length = 0;
    expect((await store.updateChannel(b, charge(1n))).channel?.chargedCumulativeAmount).toBe("1");
    expect(statements.length).toBeGreaterThan(1);
    expect(store.knownChannels).toBe(2);
  });

  it("serializes 20 concurrent charges on one channel, across processes: none is lost", async () => {
    const id = newChannelId();
    await tabs.updateChannel(id, () => channel(id));
    const stores = opened.map((o) => new TabLedger(o.db, NETWORK));
    await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % stores.length]!.updateChannel(id, charge(1_000n))));
    expect((await tabs.get(id))?.chargedCumulativeAmount).toBe("20000");
  });

  it("lists channels charged beyond their claims, and sums what is unclaimed", async () => {
    const other = new TabLedger(opened[0]!.db, "eip155:84532");
    const before = await other.unclaimedTotal();
    const id = newChannelId();
    await other.updateChannel(id, () => channel(id, { chargedCumulativeAmount: "5000", totalClaimed: "2000" }));
    const settled = newChannelId();
    await other.updateChannel(settled, () => channel(settled, { chargedCumulativeAmount: "3000", totalClaimed: "3000" }));
    expect((await other.listUnclaimed()).map((c) => c.channelId)).toEqual([id]);
    expect(await other.unclaimedTotal()).toBe(before + 3000n);
  });

  it("records a channel's deposits, charges, claims, settlements and refunds in order", async () => {
    const id = newChannelId();
    await tabs.recordEvent({ channelId: id, kind: "deposit", amount: "100000", txHash: `0x${"1".repeat(64)}` });
    await tabs.recordEvent({ channelId: id, kind: "charge", amount: "3200", cumulative: "3200", agentId: "a" });
    await tabs.recordEvent({ channelId: id, kind: "refund", amount: "96800", txHash: `0x${"2".repeat(64)}` });
    const events = await tabs.listEvents(id);
    expect(events.map((e) => [e.kind, e.amount])).toEqual([
      ["deposit", "100000"],
      ["charge", "3200"],
      ["refund", "96800"],
    ]);
    await expect(tabs.recordEvent({ channelId: id, kind: "bogus" as "charge", amount: "1" })).rejects.toThrow();
  });
});
