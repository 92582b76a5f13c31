import "server-only";
import type { x402ResourceServer } from "@x402/core/server";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { describeError } from "@/lib/errors";
import { env } from "@/lib/env";
import { getLedger, type Ledger, type Payment } from "@/lib/ledger";
import { processSingletonRetrying } from "@/lib/singleton";
import { getResourceServer } from "@/lib/x402/server/resource-server";
import { settleNow, type SettlementOutcome } from "@/lib/x402/server/settlement";

/**
 * One exact settlement worker across the deployment's processes. Every process queues its paid replies' payments
 * in the ledger (settlement_queue, Postgres) and waits for their outcomes there; whichever process holds the
 * worker's session advisory lock takes the queue in batches and settles them through its own facilitator, whose
 * batcher (batch.ts) sends each flush as one Multicall3 transaction. So the processes' payments share batches and
 * one sender, and N processes share one facilitator key.
 *
 * A worker that dies frees its lock with its session; the next process to take it takes the rows still queued.
 * A row whose batch the dead worker had sent is not sent twice: the batch's simulation finds its authorization
 * used (`authorization is used or canceled`), which is recorded as retryable, and reconciliation records the
 * transaction from the chain (reconcile.ts). Rows a worker recorded but did not delete are dropped on the next take.
 */

/** How often a process looks for outcomes it waits for, and the worker for queued payments. */
const POLL_MS = 50;
/** How often a process without the lock tries to take it (a dead worker's lock is free at once). */
const STANDBY_POLL_MS = 1_000;
/** A reply's receipt waits this long for the worker, then says pending (the worker still settles it). */
const WAIT_TIMEOUT_MS = 60_000;

/** The worker runs where the ledger is shared (Postgres) and our facilitator is the only one settling. */
export function settlementWorkerEnabled(): boolean {
  return Boolean(env.DATABASE_URL) && !env.FACILITATOR_URL && !(env.CDP_API_KEY_ID && env.CDP_API_KEY_SECRET);
}

export function getSettlementWorker(): Promise<SettlementWorker> {
  return processSingletonRetrying("settlementWorker", async () => {
    const worker = new SettlementWorker(await getLedger(), getResourceServer);
    worker.start();
    return worker;
  });
}

interface Waiter {
  resolve(outcome: SettlementOutcome): void;
  deadline: number;
}

export class SettlementWorker {
  private readonly waiting = new Map<string, Waiter>();
  /** Payments this process is settling as the worker. */
  private readonly inFlight = new Set<string>();
  private readonly queue;
  private readonly lock;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private nextLockTry = 0;
  /** Whether this process holds the worker's lock, and how many payments it settled as the worker (for tests). */
  holder = false;
  settled = 0;

  constructor(
    private readonly ledger: Ledger,
    private readonly server: () => Promise<x402ResourceServer>,
    private readonly opts: { batchMax?: number } = {},
  ) {
    this.queue = ledger.settlementQueue();
    this.lock = this.queue.lock();
  }

  start(): void {
    // unref: the timer alone must not keep a stopping server alive.
    this.timer ??= setInterval(() => void this.tick(), POLL_MS).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.lock.release().catch(() => undefined);
    this.holder = false;
  }

  /** Queues a payment already `settling` and resolves with its outcome once a worker (any process) recorded it. */
  async settle(paymentId: string): Promise<SettlementOutcome> {
    const outcome = new Promise<SettlementOutcome>((resolve) => this.waiting.set(paymentId, { resolve, deadline: performance.now() + WAIT_TIMEOUT_MS }));
    try {
      await this.queue.enqueue(paymentId);
    } catch (err) {
      this.waiting.delete(paymentId);
      // Not queued: reconciliation finds the row settling and settles it.
      return { status: "pending", transaction: "", reason: `settlement_pending: not queued: ${describeError(err)}` };
    }
    void this.tick();
    return outcome;
  }

  /** One pass: as the worker, take and settle what is queued; then hand out the outcomes this process waits for. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.work();
      await this.collect();
    } catch (err) {
      console.error(`[x402] settlement worker: ${describeError(err)}`);
    } finally {
      this.running = false;
    }
  }

  private async work(): Promise<void> {
    if (!this.holder && performance.now() < this.nextLockTry) return;
    this.holder = await this.lock.acquire();
    if (!this.holder) {
      this.nextLockTry = performance.now() + STANDBY_POLL_MS;
      return;
    }
    const limit = (this.opts.batchMax ?? env.SETTLEMENT_BATCH_MAX) * 2;
    if (this.inFlight.size >= limit) return;
    const rows = (await this.queue.take(limit)).filter((row) => !this.inFlight.has(row.id));
    // All at once: the facilitator's batcher gathers them into one transaction per flush.
    for (const row of rows) void this.settleRow(row);
  }

  private async settleRow(row: Payment): Promise<void> {
    this.inFlight.add(row.id);
    try {
      let outcome: SettlementOutcome;
      if (!row.paymentPayload || !row.paymentRequirements) {
        outcome = { status: "pending", transaction: "", reason: "settlement_pending: no stored payload; reconciliation decides" };
      } else {
        const payload = JSON.parse(row.paymentPayload) as PaymentPayload;
        const requirements = JSON.parse(row.paymentRequirements) as PaymentRequirements;
        outcome = await settleNow(await this.server(), this.ledger, row.id, payload, requirements);
      }
      // Off the queue once recorded; a waiter in this process needs no poll.
      await this.queue.done(row.id);
      this.settled += 1;
      this.resolve(row.id, outcome);
    } catch (err) {
      // The row stays queued and settling: the next pass (or reconciliation) takes it again.
      console.error(`[x402] settlement worker: payment ${row.id}: ${describeError(err)}`);
    } finally {
      this.inFlight.delete(row.id);
    }
  }

  private async collect(): Promise<void> {
    if (this.waiting.size === 0) return;
    for (const row of await this.queue.finished([...this.waiting.keys()])) this.resolve(row.id, outcomeOf(row));
    const now = performance.now();
    for (const [id, waiter] of this.waiting) {
      if (waiter.deadline > now) continue;
      this.waiting.delete(id);
      waiter.resolve({ status: "pending", transaction: "", reason: "settlement_pending: the settlement worker has not finished it yet" });
    }
  }

  private resolve(id: string, outcome: SettlementOutcome): void {
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    this.waiting.delete(id);
    waiter.resolve(outcome);
  }
}

/** A recorded payment row as the outcome settleNow would have returned. */
function outcomeOf(row: Payment): SettlementOutcome {
  if (row.status === "settled") return { status: "settled", transaction: row.txHash ?? "", payer: row.payer };
  const reason = row.error ?? `payment is ${row.status}`;
  if (row.status === "failed" && row.retryable) return { status: "pending", transaction: row.txHash ?? "", reason };
  return { status: "failed", transaction: row.txHash ?? "", reason };
}
