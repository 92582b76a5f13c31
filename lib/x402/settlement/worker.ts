import "server-only";
import type { x402ResourceServer } from "@x402/core/server";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { describeError } from "@/lib/errors";
import { env } from "@/lib/env";
import { getLedger, type Ledger, type Payment } from "@/lib/ledger";
import type { QueueListener } from "@/lib/ledger/settlement-queue";
import { processSingletonRetrying, resetProcessSingleton } from "@/lib/singleton";
import { getResourceServer } from "@/lib/x402/server/resource-server";
import { settleNow, type SettlementOutcome } from "@/lib/x402/server/settlement";

/**
 * One exact settlement worker across the deployment's processes. Every process queues its paid replies' payments
 * in the ledger (settlement_queue, Postgres) and waits for their outcomes there; whichever process holds the
 * worker's session advisory lock takes the queue in batches and settles them through its own facilitator, whose
 * batcher (batch.ts) sends each flush as one Multicall3 transaction. So the processes' payments share batches and
 * one sender, and N processes share one facilitator key.
 *
 * Nothing polls while idle: queuing a payment notifies the worker, and recording an outcome notifies the waiting
 * process with the outcome (Postgres LISTEN/NOTIFY, on a connection of each process's own). A process that waits
 * for outcomes also reads them itself every SAFETY_POLL_MS and, past that long, wakes the worker again, so a lost
 * notification delays a payment but never loses it; a process whose listening connection is down polls at that
 * pace until it is back, and then catches up.
 *
 * A worker that dies frees its lock with its session; the next process that waits for an outcome takes it, and the
 * rows still queued. A row whose batch the dead worker had sent is not sent twice: the batch's simulation finds its
 * authorization used (`authorization is used or canceled`), which is recorded as retryable, and reconciliation
 * records the transaction from the chain (reconcile.ts). Rows a worker recorded but did not delete are dropped by
 * the next worker when it takes the lock.
 */

/** See above: a waiting process's own reads and wake-ups, and how often a process that is not the worker tries its lock. */
const SAFETY_POLL_MS = 1_000;
/** A reply's receipt waits this long for the worker, then says pending (the worker still settles it). */
const WAIT_TIMEOUT_MS = 60_000;

/** The worker runs where the ledger is shared (Postgres) and our facilitator is the only one settling. */
export function settlementWorkerEnabled(): boolean {
  return Boolean(env.DATABASE_URL) && !env.FACILITATOR_URL && !(env.CDP_API_KEY_ID && env.CDP_API_KEY_SECRET);
}

export function getSettlementWorker(): Promise<SettlementWorker> {
  return processSingletonRetrying("settlementWorker", async () => {
    const worker = new SettlementWorker(await getLedger(), getResourceServer);
    // Listening before its first payment; its first pass never throws.
    await worker.start();
    return worker;
  });
}

/** Stops the process's worker, freeing its lock and its listening connection (on shutdown, and in tests). */
export async function stopSettlementWorker(): Promise<void> {
  const held = globalThis.x402Singletons?.settlementWorker;
  if (!held) return;
  resetProcessSingleton("settlementWorker");
  await (await held.catch(() => undefined))?.stop();
}

interface Waiter {
  resolve(outcome: SettlementOutcome): void;
  since: number;
}

export class SettlementWorker {
  private readonly waiting = new Map<string, Waiter>();
  /** Payments this process is settling as the worker. */
  private readonly inFlight = new Set<string>();
  private readonly queue;
  private readonly lock;
  private readonly batchMax: number | undefined;
  private readonly safetyPollMs: number;
  private readonly waitTimeoutMs: number;
  private timer: NodeJS.Timeout | null = null;
  private listener: QueueListener | null = null;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  /** The pass running now, if any. */
  private pass: Promise<void> | null = null;
  /** A tick was asked for while one ran: run another, so a notification that came meanwhile is not missed. */
  private again = false;
  private againSafety = false;
  /** The last take left rows queued (it took its limit, or this worker had its limit in flight): take again soon. */
  private backlog = false;
  private nextLockTry = 0;
  /** Whether this process holds the worker's lock, and how many payments it settled as the worker (for tests). */
  holder = false;
  settled = 0;

  constructor(
    private readonly ledger: Ledger,
    private readonly server: () => Promise<x402ResourceServer>,
    opts: { batchMax?: number; safetyPollMs?: number; waitTimeoutMs?: number } = {},
  ) {
    this.queue = ledger.settlementQueue();
    this.lock = this.queue.lock();
    this.batchMax = opts.batchMax;
    this.safetyPollMs = opts.safetyPollMs ?? SAFETY_POLL_MS;
    this.waitTimeoutMs = opts.waitTimeoutMs ?? WAIT_TIMEOUT_MS;
  }

  /**
   * Listens, takes the lock if it is free and what a previous worker left queued, and arms the safety poll.
   * Resolves after that first pass, which never throws.
   */
  start(): Promise<void> {
    // unref: the timer alone must not keep a stopping server alive.
    this.timer ??= setInterval(() => this.safetyTick(), this.safetyPollMs).unref();
    return this.tick();
  }

  /** Stops for good: frees the lock and the listening connection; a second call resolves with the first. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      // Not while a pass may still take the lock.
      await this.pass;
      const listener = this.listener;
      this.listener = null;
      await listener?.close();
      await this.lock.release().catch(() => undefined);
      this.holder = false;
    })();
    return this.stopping;
  }

  /** Queues a payment already `settling` and resolves with its outcome once a worker (any process) recorded it. */
  async settle(paymentId: string): Promise<SettlementOutcome> {
    const outcome = new Promise<SettlementOutcome>((resolve) => this.waiting.set(paymentId, { resolve, since: performance.now() }));
    try {
      await this.queue.enqueue(paymentId);
    } catch (err) {
      this.waiting.delete(paymentId);
      // Not queued: reconciliation finds the row settling and settles it.
      return { status: "pending", transaction: "", reason: `settlement_pending: not queued: ${describeError(err)}` };
    }
    // The worker listening here hears its own notification; otherwise look now (the lock may be free).
    if (!(this.holder && this.listener)) void this.tick();
    return outcome;
  }

  /**
   * One pass: as the worker, take and settle what is queued; then hand out the outcomes this process waits for.
   * `safety`: also read them from the ledger and wake the worker for the overdue (the safety poll's pass).
   */
  tick(safety = false): Promise<void> {
    if (this.pass) {
      this.again = true;
      this.againSafety ||= safety;
      return this.pass;
    }
    this.pass = (async () => {
      let readRows = safety;
      try {
        do {
          this.again = false;
          if (!this.listener && !this.stopped) await this.listen();
          await this.work();
          await this.collect(readRows || !this.listener);
          readRows = this.againSafety;
          this.againSafety = false;
        } while (this.again && !this.stopped);
      } catch (err) {
        console.error(`[x402] settlement worker: ${describeError(err)}`);
      } finally {
        this.pass = null;
      }
    })();
    return this.pass;
  }

  /** The timer's pass: nothing to do, and no query, while nobody here waits and notifications come in. */
  private safetyTick(): void {
    if (this.listener && this.waiting.size === 0) return;
    void this.tick(true);
  }

  private async listen(): Promise<void> {
    try {
      const listener = await this.queue.listen({
        queued: () => {
          if (this.holder) void this.tick();
        },
        done: (id, outcome) => this.onDone(id, outcome),
        lost: () => {
          console.error("[x402] settlement worker: lost its listening connection; polling until it is back");
          this.listener = null;
        },
      });
      if (this.stopped) await listener.close();
      else this.listener = listener;
    } catch (err) {
      // The safety poll tries again; meanwhile this process polls.
      console.error(`[x402] settlement worker: cannot listen: ${describeError(err)}`);
    }
  }

  private async work(): Promise<void> {
    if (this.stopped) return;
    if (!this.holder && performance.now() < this.nextLockTry) return;
    const was = this.holder;
    this.holder = await this.lock.acquire();
    if (!this.holder) {
      this.nextLockTry = performance.now() + this.safetyPollMs;
      return;
    }
    // Just taken over: rows the previous worker recorded but did not delete.
    if (!was) await this.queue.purge();
    const limit = (this.batchMax ?? env.SETTLEMENT_BATCH_MAX) * 2;
    if (this.inFlight.size >= limit) {
      this.backlog = true;
      return;
    }
    // What is in flight as the take starts: a row of it may finish (its queue row deleted, then out of inFlight)
    // while the take runs, yet be in the take's result, read before the delete committed. Filtering on inFlight
    // alone after the take settled such a row twice.
    const busy = new Set(this.inFlight);
    const taken = await this.queue.take(limit);
    this.backlog = taken.length >= limit;
    const rows = taken.filter((row) => !busy.has(row.id) && !this.inFlight.has(row.id));
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
      // Off the queue once recorded, telling the process that waits for it (a waiter here is resolved now).
      this.settled += 1;
      this.resolve(row.id, outcome);
      await this.queue.done(row.id, outcome);
    } catch (err) {
      // The row stays queued and settling: the next pass (or reconciliation) takes it again.
      console.error(`[x402] settlement worker: payment ${row.id}: ${describeError(err)}`);
    } finally {
      this.inFlight.delete(row.id);
      // Room again for what the last take left queued (no notification will come for it).
      if (this.backlog && !this.stopped) {
        this.backlog = false;
        void this.tick();
      }
    }
  }

  private onDone(id: string, outcome: unknown): void {
    if (!this.waiting.has(id)) return;
    if (isOutcome(outcome)) return this.resolve(id, outcome);
    // Sent without it (too long): read the row.
    void this.queue
      .finished([id])
      .then((rows) => rows.forEach((row) => this.resolve(row.id, outcomeOf(row))))
      .catch((err: unknown) => console.error(`[x402] settlement worker: ${describeError(err)}`));
  }

  private async collect(readRows: boolean): Promise<void> {
    if (this.waiting.size === 0) return;
    if (readRows) {
      for (const row of await this.queue.finished([...this.waiting.keys()])) this.resolve(row.id, outcomeOf(row));
    }
    const now = performance.now();
    let overdue = false;
    for (const [id, waiter] of this.waiting) {
      if (now - waiter.since >= this.safetyPollMs) overdue = true;
      if (now - waiter.since < this.waitTimeoutMs) continue;
      this.waiting.delete(id);
      waiter.resolve({ status: "pending", transaction: "", reason: "settlement_pending: the settlement worker has not finished it yet" });
    }
    // A notification to the worker may have been lost: wake it (the worker itself took the queue in this pass).
    if (readRows && overdue && !this.holder && this.waiting.size > 0) await this.queue.wake();
  }

  private resolve(id: string, outcome: SettlementOutcome): void {
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    this.waiting.delete(id);
    waiter.resolve(outcome);
  }
}

function isOutcome(value: unknown): value is SettlementOutcome {
  const status = (value as { status?: unknown } | null)?.status;
  return status === "settled" || status === "pending" || status === "failed";
}

/** A recorded payment row as the outcome settleNow would have returned. */
function outcomeOf(row: Payment): SettlementOutcome {
  if (row.status === "settled") return { status: "settled", transaction: row.txHash ?? "", payer: row.payer };
  const reason = row.error ?? `payment is ${row.status}`;
  if (row.status === "failed" && row.retryable) return { status: "pending", transaction: row.txHash ?? "", reason };
  return { status: "failed", transaction: row.txHash ?? "", reason };
}
