import "server-only";

import { asc, eq, inArray, ne, and, sql } from "drizzle-orm";
import type { LedgerDb } from "./db";
import { payments, settlementQueue } from "./schema";
import { sessionLock, type ClaimerLock } from "./tab-claimer";

type Payment = typeof payments.$inferSelect;

// Every process of a deployment must use the same name.
const WORKER_LOCK_NAME = "x402-exact-settlement-worker";

/** The exact settlement queue and its worker's lock (lib/x402/settlement/worker.ts), on the ledger's database. */
export class SettlementQueueStore {
  constructor(private readonly db: LedgerDb) {}

  /** Queues a payment already moved to `settling`; queuing it twice is a no-op. */
  async enqueue(paymentId: string): Promise<void> {
    await this.db.insert(settlementQueue).values({ paymentId }).onConflictDoNothing();
  }

  /**
   * The oldest queued payments still `settling`, at most `limit`, skipping rows another transaction holds.
   * Rows whose payment has moved on (a worker recorded it, then died before deleting the row) or is gone are dropped.
   */
  async take(limit: number): Promise<Payment[]> {
    await this.db.execute(
      sql`delete from ${settlementQueue} q where not exists (select 1 from ${payments} p where p.id = q.payment_id and p.status = 'settling')`,
    );
    return this.db.transaction(async (tx) => {
      const queued = await tx
        .select({ paymentId: settlementQueue.paymentId })
        .from(settlementQueue)
        .orderBy(asc(settlementQueue.enqueuedAt))
        .limit(limit)
        .for("update", { skipLocked: true });
      if (queued.length === 0) return [];
      return tx
        .select()
        .from(payments)
        .where(and(inArray(payments.id, queued.map((q) => q.paymentId)), eq(payments.status, "settling")));
    });
  }

  /** The payment's outcome is recorded: off the queue. */
  async done(paymentId: string): Promise<void> {
    await this.db.delete(settlementQueue).where(eq(settlementQueue.paymentId, paymentId));
  }

  /** Of these payments, those no longer `settling` (their outcome recorded), in one statement. */
  finished(ids: string[]): Promise<Payment[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.select().from(payments).where(and(inArray(payments.id, ids), ne(payments.status, "settling")));
  }

  /** The worker's lock: one holder across the deployment's processes; a dead holder's session frees it. */
  lock(): ClaimerLock {
    return sessionLock(this.db, WORKER_LOCK_NAME);
  }
}
