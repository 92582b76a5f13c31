import "server-only";

import { and, eq, sql } from "drizzle-orm";
import type { LedgerDb } from "./db";
import { replies, usage } from "./schema";
import type { NewUsage } from "./ledger";

/** How long a paid reply stays fetchable by its payer: long enough to come back after a reload or a lost tab. */
export const REPLY_KEEP_MS = 24 * 60 * 60 * 1000;
/** Old replies are deleted at most this often, from a write, so a busy server does not prune on every reply. */
const PRUNE_EVERY_MS = 60_000;

/** The paid replies kept for their payers, by payment id (lib/x402/server/reply-store.ts decides who may read one). */
export class ReplyStore {
  private lastPrune = 0;

  constructor(
    private readonly db: LedgerDb,
    private readonly keepMs = REPLY_KEEP_MS,
  ) {}

  /**
   * Keeps a reply; with `withUsage`, its usage row is written by the same statement (one statement per reply: on
   * PGlite each one is a call into the database on the app's CPU).
   */
  async keep(paymentId: string, message: string, withUsage?: NewUsage): Promise<void> {
    // A data-modifying CTE runs whether or not the statement reads it.
    const db = withUsage ? this.db.with(this.db.$with("kept_usage").as(this.db.insert(usage).values(withUsage).returning({ id: usage.id }))) : this.db;
    await db.insert(replies).values({ paymentId, message }).onConflictDoUpdate({ target: replies.paymentId, set: { message } });
    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.prune();
    }
  }

  /** The kept reply of a payment, unless it is older than the keeping period. */
  async get(paymentId: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ message: replies.message })
      .from(replies)
      .where(and(eq(replies.paymentId, paymentId), sql`${replies.createdAt} > now() - ${this.keepMs} * interval '1 millisecond'`));
    return row?.message;
  }

  /** Deletes replies past the keeping period; returns how many. */
  async prune(): Promise<number> {
    const gone = await this.db
      .delete(replies)
      .where(sql`${replies.createdAt} <= now() - ${this.keepMs} * interval '1 millisecond'`)
      .returning({ paymentId: replies.paymentId });
    return gone.length;
  }
}
