/**
 * The exact settlement worker (lib/x402/settlement/worker.ts) on a real Postgres, two "processes" in this one: two
 * ledgers on their own pools, so each has its own sessions (its advisory lock, its LISTEN connection). Payments
 * here have no stored payload, so the worker records them as `pending` without a facilitator: what is tested is
 * the queue's wake-ups, not settling.
 */
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Ledger, openLedgerDb, type OpenedLedgerDb } from "@/lib/ledger";
import { payments, settlementQueue } from "@/lib/ledger/schema";
import { startSettlement, stopSettlement, stopSettlementOnSignals } from "@/lib/x402/settlement/start";
import { getSettlementWorker, SettlementWorker } from "@/lib/x402/settlement/worker";
import { fixture, setEnv } from "@/test/support/fixtures";
import { startPostgres } from "@/test/support/postgres";
import { resetProcessSingleton } from "@/lib/singleton";

const SAFETY_POLL_MS = 20;
const NO_PAYLOAD = "settlement_pending: no stored payload; reconciliation decides";
const postgres = fixture(startPostgres, (p) => p.stop());
let opened: OpenedLedgerDb[] = [];
let workers: SettlementWorker[] = [];

beforeAll(async () => {
  opened = await Promise.all([openLedgerDb({ databaseUrl: postgres().url }), openLedgerDb({ databaseUrl: postgres().url })]);
});
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
});

const noServer = () => Promise.reject(new Error("no facilitator in this test"));

/** Process A's worker first, so it holds the lock; then B's, standing by. */
async function twoWorkers(opts: { batchMax?: number; safetyPollMs?: number; waitTimeoutMs?: number } = {}): Promise<[SettlementWorker, SettlementWorker]> {
  const [a, b] = opened.map((o) => new SettlementWorker(new Ledger(o.db), noServer, { safetyPollMs: SAFETY_POLL_MS, ...opts }));
  workers.push(a!, b!);
  for (const worker of [a!, b!]) {
    void worker.start();
    await worker.tick();
  }
  expect([a!.holder, b!.holder]).toEqual([true, false]);
  return [a!, b!];
}

/** A payment moved to `settling`, without a stored payload. */
async function settlingPayment(): Promise<string> {
  const [row] = await opened[0]!.db
    .insert(payments)
    .values({
      agentId: "agent",
      payer: "0x0000000000000000000000000000000000000001",
      payTo: "0x0000000000000000000000000000000000000002",
      asset: "0x0000000000000000000000000000000000000003",
      network: "eip155:31337",
      amount: "1000",
      nonce: `0x${crypto.randomUUID().replaceAll("-", "")}`,
      validBefore: "9999999999",
      x402Version: 2,
      resource: "test",
      status: "settling",
    })
    .returning({ id: payments.id });
  return row!.id;
}

describe("the settlement worker without polling", () => {
  it("runs no statement while idle, in the worker's process or a waiting one", async () => {
    const [a, b] = await twoWorkers();
    // An outcome each way: the worker's own waiter, and another process's, told by notification.
    await expect(a.settle(await settlingPayment())).resolves.toMatchObject({ status: "pending", reason: NO_PAYLOAD });
    await expect(b.settle(await settlingPayment())).resolves.toMatchObject({ status: "pending", reason: NO_PAYLOAD });
    expect(a.settled).toBe(2);

    // Every statement of this process goes through pg.Client#query (pools make pg.Clients).
    const statements = vi.spyOn(pg.Client.prototype, "query");
    try {
      // A window of ten safety-poll periods (not a wait for anything): the old worker polled every 50 ms.
      await delay(10 * SAFETY_POLL_MS);
      expect(statements.mock.calls.map((call) => String(call[0]))).toEqual([]);
    } finally {
      statements.mockRestore();
    }
  });

  it("settles a payment whose notification to the worker was lost: the waiting process wakes it again", async () => {
    const [a, b] = await twoWorkers({ waitTimeoutMs: 10_000 });
    const id = await settlingPayment();
    // Queued without a notification (as if it were lost): B's enqueue then finds the row and notifies nothing.
    await opened[0]!.db.insert(settlementQueue).values({ paymentId: id });
    await expect(b.settle(id)).resolves.toMatchObject({ status: "pending", reason: NO_PAYLOAD });
    expect(a.settled).toBe(1);
  });

  it("takes again what its last take left queued once it has room, without another notification", async () => {
    // At most 2 in flight (twice the batch size), and no safety poll within the test's time.
    const [a, b] = await twoWorkers({ batchMax: 1, safetyPollMs: 3_600_000 });
    const ids = [await settlingPayment(), await settlingPayment(), await settlingPayment()];
    // Queued at once, with one notification for the three.
    await opened[0]!.db.insert(settlementQueue).values(ids.map((paymentId) => ({ paymentId })));
    const outcomes = Promise.all(ids.map((id) => b.settle(id)));
    await new Ledger(opened[0]!.db).settlementQueue().wake();
    for (const outcome of await outcomes) expect(outcome).toMatchObject({ status: "pending", reason: NO_PAYLOAD });
    expect(a.settled).toBe(3);
  }, 20_000);

  it("takes over the queue when the worker stops, at the waiting process's next look", async () => {
    const [a, b] = await twoWorkers();
    await a.stop();
    await expect(b.settle(await settlingPayment())).resolves.toMatchObject({ status: "pending", reason: NO_PAYLOAD });
    expect([b.holder, b.settled]).toEqual([true, 1]);
  });
});

describe("the settlement a server process starts (instrumentation.ts)", () => {
  let restoreEnv: () => void = () => {};
  const added: { signal: NodeJS.Signals; listener: (...args: unknown[]) => void }[] = [];
  afterAll(async () => {
    for (const { signal, listener } of added) process.off(signal, listener);
    await stopSettlement();
    // The process's ledger opened from DATABASE_URL: closed before Postgres stops.
    const ledger = await globalThis.x402Singletons?.ledger;
    resetProcessSingleton("ledger");
    await ((ledger as unknown as { db: { $client: pg.Pool } } | undefined)?.db.$client.end());
    restoreEnv();
  });

  it("stops the worker and the claimer on SIGTERM, freeing the worker's lock for another process", async () => {
    // The claimer claims nothing here: no chain (a closed port), and not before an hour.
    restoreEnv = setEnv({
      DATABASE_URL: postgres().url,
      LOCAL_RPC_URL: "http://127.0.0.1:1",
      TAB_CLAIM_INTERVAL_SECONDS: "3600",
      TAB_CLAIM_POLL_SECONDS: "3600",
    });
    await startSettlement();
    const worker = await getSettlementWorker();
    expect(worker.holder).toBe(true);
    expect(globalThis.x402Singletons?.tabClaimer).toBeDefined();

    const before = { SIGTERM: process.listeners("SIGTERM"), SIGINT: process.listeners("SIGINT") };
    stopSettlementOnSignals();
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      for (const listener of process.listeners(signal)) {
        if (!before[signal].includes(listener)) added.push({ signal, listener: listener as (...args: unknown[]) => void });
      }
    }
    // Stands in for Next's own handler, which ends the process (without one, ours would end this test's).
    const next = () => {};
    process.on("SIGTERM", next);
    added.push({ signal: "SIGTERM", listener: next });

    process.emit("SIGTERM");
    // Both are forgotten at once, and the worker's stop (the one the handler began) frees its lock.
    expect(globalThis.x402Singletons?.settlementWorker).toBeUndefined();
    expect(globalThis.x402Singletons?.tabClaimer).toBeUndefined();
    await worker.stop();
    const other = new SettlementWorker(new Ledger(opened[1]!.db), noServer, { safetyPollMs: SAFETY_POLL_MS });
    workers.push(other);
    await other.start();
    expect(other.holder).toBe(true);
  });
});
