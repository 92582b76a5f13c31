import "server-only";

import { PGlite } from "@electric-sql/pglite";
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import pg from "pg";
import type { LedgerDb } from "./db";
import { payments, settlementQueue } from "./schema";
import { sessionLock, type ClaimerLock } from "./tab-claimer";

type Payment = typeof payments.$inferSelect;

// Every process of a deployment must use the same names.
const WORKER_LOCK_NAME = "x402-exact-settlement-worker";
/** Notified on enqueue: wakes the worker. */
const QUEUED_CHANNEL = "x402_settlement_queued";
/** Notified once a payment's outcome is recorded, with {id, outcome?}: wakes the process waiting for it. */
const DONE_CHANNEL = "x402_settlement_done";
// Postgres refuses a payload of 8000 bytes or more; a longer outcome is read from the row instead.
const MAX_PAYLOAD = 7_000;

export interface QueueEvents {
  /** A payment was queued (by any process). */
  queued(): void;
  /** A payment's outcome was recorded; `outcome` is what the worker sent along, when it fit. */
  done(paymentId: string, outcome: unknown): void;
  /** The listening connection is gone: notifications may be missed until `listen` is called again. */
  lost(): void;
}

export interface QueueListener {
  close(): Promise<void>;
}

/** The exact settlement queue and its worker's lock (lib/x402/settlement/worker.ts), on the ledger's database. */
export class SettlementQueueStore {
  constructor(private readonly db: LedgerDb) {}

  /** Queues a payment already moved to `settling` and wakes the worker; queuing it twice is a no-op. */
  async enqueue(paymentId: string): Promise<void> {
    // One statement; the notification goes out when the row is committed, and only when it was inserted.
    await this.db.execute(sql`
      with queued as (
        insert into ${settlementQueue} (payment_id) values (${paymentId}) on conflict do nothing returning payment_id
      )
      select pg_notify(${QUEUED_CHANNEL}, '') from queued`);
  }

  /** Wakes the worker without queuing anything (a waiting process's safety net against a lost notification). */
  async wake(): Promise<void> {
    await this.db.execute(sql`select pg_notify(${QUEUED_CHANNEL}, '')`);
  }

  /**
   * The oldest queued payments still `settling`, at most `limit`, in one statement. Rows whose payment has moved
   * on (a worker recorded it, then died before deleting the row) or is gone are skipped here and dropped by purge().
   * No row locks: the worker's advisory lock is what keeps a second worker off the queue.
   */
  async take(limit: number): Promise<Payment[]> {
    return this.db
      .select({ payment: payments })
      .from(settlementQueue)
      .innerJoin(payments, and(eq(payments.id, settlementQueue.paymentId), eq(payments.status, "settling")))
      .orderBy(settlementQueue.enqueuedAt)
      .limit(limit)
      .then((rows) => rows.map((r) => r.payment));
  }

  /** Drops queued rows whose payment is no longer `settling` or is gone (run by a worker that just took the lock). */
  async purge(): Promise<void> {
    await this.db.execute(
      sql`delete from ${settlementQueue} q where not exists (select 1 from ${payments} p where p.id = q.payment_id and p.status = 'settling')`,
    );
  }

  /** The payment's outcome is recorded: off the queue, and the process waiting for it is told (with the outcome). */
  async done(paymentId: string, outcome?: unknown): Promise<void> {
    let payload = JSON.stringify({ id: paymentId, outcome });
    if (payload.length > MAX_PAYLOAD) payload = JSON.stringify({ id: paymentId });
    await this.db.execute(sql`
      with gone as (delete from ${settlementQueue} where payment_id = ${paymentId})
      select pg_notify(${DONE_CHANNEL}, ${payload})`);
  }

  /** Of these payments, those no longer `settling` (their outcome recorded), in one statement. */
  finished(ids: string[]): Promise<Payment[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db
      .select()
      .from(payments)
      .where(and(inArray(payments.id, ids), ne(payments.status, "settling")));
  }

  /** The worker's lock: one holder across the deployment's processes; a dead holder's session frees it. */
  lock(): ClaimerLock {
    return sessionLock(this.db, WORKER_LOCK_NAME);
  }

  /**
   * Listens for the queue's notifications. Postgres: on a connection of its own, outside the pool (a LISTEN belongs
   * to its session). PGlite: its in-process listeners.
   */
  async listen(events: QueueEvents): Promise<QueueListener> {
    const onNotification = (channel: string, payload: string) => {
      if (channel === QUEUED_CHANNEL) return events.queued();
      if (channel !== DONE_CHANNEL) return;
      try {
        const { id, outcome } = JSON.parse(payload) as { id: string; outcome?: unknown };
        events.done(id, outcome);
      } catch {
        // Not ours to read; the waiting process's safety poll reads the row.
      }
    };
    const client = (this.db as { $client?: unknown }).$client;
    if (client instanceof pg.Pool) return listenPostgres(client, onNotification, events.lost);
    if (client instanceof PGlite) {
      const off = await Promise.all(
        [QUEUED_CHANNEL, DONE_CHANNEL].map((channel) => client.listen(channel, (payload) => onNotification(channel, payload))),
      );
      return { close: async () => void (await Promise.all(off.map((unlisten) => unlisten()))) };
    }
    throw new Error("settlement queue: cannot listen on this database client");
  }
}

async function listenPostgres(
  pool: pg.Pool,
  onNotification: (channel: string, payload: string) => void,
  lost: () => void,
): Promise<QueueListener> {
  const client = new pg.Client(pool.options);
  let closing = false;
  let gone = false;
  const fail = () => {
    if (gone) return;
    gone = true;
    if (!closing) lost();
  };
  // A connection that fails emits here; unheard, that would crash the process.
  client.on("error", fail);
  client.on("end", fail);
  client.on("notification", (msg) => onNotification(msg.channel, msg.payload ?? ""));
  try {
    await client.connect();
    await client.query(`listen ${QUEUED_CHANNEL}; listen ${DONE_CHANNEL}`);
  } catch (err) {
    closing = true;
    await client.end().catch(() => undefined);
    throw err;
  }
  return {
    async close() {
      closing = true;
      await client.end().catch(() => undefined);
    },
  };
}
