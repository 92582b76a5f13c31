import "server-only";

import { and, asc, count, desc, eq, getTableColumns, inArray, is, or, sql, type SQL } from "drizzle-orm";
import { PgliteDatabase } from "drizzle-orm/pglite";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { LedgerDb } from "./db";
import { FacilitatorKeyStore } from "./facilitator-keys";
import { ReplyStore } from "./replies";
import { payments, usage } from "./schema";
import { SettlementQueueStore } from "./settlement-queue";
import { TabClaimerStore } from "./tab-claimer";
import { TabLedger } from "./tabs";
import { TransferOrderStore } from "./transfer-orders";

export type Payment = typeof payments.$inferSelect;
export type PaymentStatus = Payment["status"];
/** What a route knows once the facilitator has verified a payment. */
export type NewPayment = Omit<
  typeof payments.$inferInsert,
  "id" | "status" | "txHash" | "error" | "retryable" | "attempts" | "createdAt" | "updatedAt" | "settledAt"
>;
export type Usage = typeof usage.$inferSelect;
export type NewUsage = Omit<typeof usage.$inferInsert, "id" | "createdAt">;

export type ClaimResult =
  | { claimed: true; payment: Payment }
  | { claimed: false; existing: Payment }
  /** The payer's balance, less what its unsettled payments already reserve, does not cover this one. */
  | { claimed: false; insufficient: { balance: string; reserved: string } };

/** The payer's token balance as read from the chain, and when the read was sent. */
export interface PayerBalance {
  balance: bigint;
  readAt: Date;
}
/** When nothing moved, `current` is the row as it is now (undefined: no such payment). */
export type TransitionResult =
  | { moved: true; payment: Payment }
  | { moved: false; current: Payment | undefined };

export interface AuthorizationKey {
  network: string;
  asset: string;
  payer: string;
  nonce: string;
}

export interface ListPaymentsOptions {
  agentId?: string;
  payer?: string;
  status?: PaymentStatus;
  /** Default 100, at most 1000. */
  limit?: number;
}

export interface AgentUsageSummary {
  agentId: string;
  messages: number;
  inputTokens: number;
  outputTokens: number;
  toolCalls: number;
  /** Atomic units of settled payments only: verified, failed or voided money never arrived. */
  revenue: string;
}

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;
/** The app's clock and the database's may differ by this much (settledAt is the database's now()). */
const CLOCK_SKEW_MS = 5_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The only moves a payment can make; each is one conditional UPDATE, so only one process makes it. */
const ALLOWED_FROM = {
  settling: ["verified", "failed"],
  settled: ["settling"],
  failed: ["settling"],
  voided: ["verified"],
} as const satisfies Partial<Record<PaymentStatus, readonly PaymentStatus[]>>;

// EVM addresses and nonces are hex, whose case carries no meaning (at most a checksum):
// one spelling keeps the uniqueness of an authorization from being dodged by re-casing it.
const lower = (hex: string) => hex.toLowerCase();

/** One payer's payments in one token on one network. */
const ofPayer = (key: Omit<AuthorizationKey, "nonce">) =>
  and(eq(payments.network, key.network), eq(payments.asset, lower(key.asset)), eq(payments.payer, lower(key.payer)));

/**
 * What a payer's balance must still cover: payments not yet settled that may still move money (verified,
 * settling, failed but retryable), plus those settled since shortly before the balance was read (`since`), whose
 * transfer that read may or may not have seen. Counting those twice refuses, never over-serves.
 */
const reserving = (since: Date) =>
  or(
    inArray(payments.status, ["verified", "settling"]),
    and(eq(payments.status, "failed"), eq(payments.retryable, true)),
    and(eq(payments.status, "settled"), sql`${payments.settledAt} >= ${since.toISOString()}`),
  );

const PAYMENT_COLUMNS = getTableColumns(payments);

/** A payments row as a raw statement returns it (column names, driver values), as drizzle's select would. */
function paymentOfRow(raw: Record<string, unknown>): Payment {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(PAYMENT_COLUMNS)) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as Payment;
}

/** All database access of the server's payment ledger. */
export class Ledger {
  /**
   * PGlite is one process's database, and its transactions already exclude every other query of that process:
   * the payer lock would only cost a statement on each paid message's claim.
   */
  private readonly lockPayers: boolean;

  constructor(private readonly db: LedgerDb) {
    this.lockPayers = !is(db, PgliteDatabase);
  }

  private replyStore: ReplyStore | null = null;

  /** Paid replies kept for a while, fetchable again by their payers. */
  replies(): ReplyStore {
    this.replyStore ??= new ReplyStore(this.db);
    return this.replyStore;
  }

  private keyStore: FacilitatorKeyStore | null = null;

  /** Other sellers' API keys to our facilitator, and the sign-in sessions of the /facilitator page. */
  facilitatorKeys(): FacilitatorKeyStore {
    this.keyStore ??= new FacilitatorKeyStore(this.db);
    return this.keyStore;
  }

  private readonly tabLedgers = new Map<string, TabLedger>();

  /** The tabs (batch-settlement channels) of one network, on this ledger's database. */
  tabs(network: string): TabLedger {
    let tabs = this.tabLedgers.get(network);
    if (!tabs) {
      tabs = new TabLedger(this.db, network);
      this.tabLedgers.set(network, tabs);
    }
    return tabs;
  }

  private orderStore: TransferOrderStore | null = null;

  /** Orders paid by transfer (Atelier's pay-then-prove): one reply per transaction hash. */
  transferOrders(): TransferOrderStore {
    this.orderStore ??= new TransferOrderStore(this.db);
    return this.orderStore;
  }

  /** The exact settlement queue and its worker's lock (lib/x402/settlement/worker.ts), on this ledger's database. */
  settlementQueue(): SettlementQueueStore {
    return new SettlementQueueStore(this.db);
  }

  /** The tab claimer's progress and lock (lib/x402/settlement/claimer.ts), on this ledger's database. */
  tabClaimer(): TabClaimerStore {
    return new TabClaimerStore(this.db);
  }

  /**
   * Records a verified payment, unless the same authorization was claimed before (by any process). With the
   * payer's balance, it is also a reservation: claimed only if the balance, less what the payer's unsettled
   * payments on the same token already reserve, covers it. Verification alone simulates every authorization
   * against the same balance, so without this a payer holding one price could be given many replies.
   */
  async claimPayment(p: NewPayment, funds?: PayerBalance): Promise<ClaimResult> {
    const row = {
      ...p,
      payer: lower(p.payer),
      payTo: lower(p.payTo),
      asset: lower(p.asset),
      nonce: lower(p.nonce),
    };
    if (!funds) return this.insertClaim(this.db, row);
    if (!this.lockPayers) {
      // PGlite runs one statement at a time: the conditional insert alone is atomic, and claims in one statement.
      const claimed = await this.insertIfCovered(this.db, row, funds);
      if (claimed) return { claimed: true, payment: claimed };
      return this.db.transaction((tx) => this.claimChecked(tx, row, funds));
    }
    return this.db.transaction(async (tx) => {
      // One payer's claims on one token queue here, across processes; other payers are not held up. Its own
      // statement: a statement's snapshot is taken when it starts, so it must start after the lock is held.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`${row.network}:${row.asset}:${row.payer}`}, 402))`);
      const claimed = await this.insertIfCovered(tx, row, funds);
      if (claimed) return { claimed: true, payment: claimed };
      return this.claimChecked(tx, row, funds);
    });
  }

  /**
   * The claim of a new payment, in one statement: inserted only if the payer's balance, less what the payer's
   * payments reserve, covers it, and its authorization was not claimed before. Undefined when it was not
   * inserted; claimChecked then says why (or claims it, if something settled or was voided meanwhile).
   */
  private async insertIfCovered(db: LedgerDb, row: NewPayment, funds: PayerBalance): Promise<Payment | undefined> {
    const since = new Date(funds.readAt.getTime() - CLOCK_SKEW_MS);
    const fields = Object.entries({ ...row, status: "verified" }).filter(([, value]) => value !== undefined) as [keyof typeof PAYMENT_COLUMNS, unknown][];
    const returned = (await db.execute(sql`
      insert into ${payments} (${sql.join(fields.map(([key]) => sql.identifier(PAYMENT_COLUMNS[key].name)), sql`, `)})
      select ${sql.join(fields.map(([key, value]) => sql`cast(${sql.param(value, PAYMENT_COLUMNS[key])} as ${sql.raw(PAYMENT_COLUMNS[key].getSQLType())})`), sql`, `)}
      where (select coalesce(sum(${payments.amount}) filter (where ${reserving(since)}), 0) from ${payments} where ${ofPayer(row)})
        + ${row.amount}::numeric <= ${funds.balance.toString()}::numeric
      on conflict (network, asset, payer, nonce) do nothing
      returning *`)) as unknown as { rows: Record<string, unknown>[] };
    const [inserted] = returned.rows;
    return inserted && paymentOfRow(inserted);
  }

  /** The claim's checks read first, then the insert: the path that says why a payment was not claimed. */
  private async claimChecked(tx: LedgerDb, row: NewPayment, funds: PayerBalance): Promise<ClaimResult> {
    // One read for both checks, over the payer's rows on this token: this authorization's row, if it was
    // claimed (a replay is reported as used, not as a lack of funds), and what the payer's payments reserve.
    const since = new Date(funds.readAt.getTime() - CLOCK_SKEW_MS);
    const [seen] = await tx
      .select({
        existingId: sql<string | null>`(array_agg(${payments.id}) filter (where ${payments.nonce} = ${row.nonce}))[1]`,
        reserved: sql<string>`coalesce(sum(${payments.amount}) filter (where ${reserving(since)}), 0)::text`,
      })
      .from(payments)
      .where(ofPayer(row));
    if (seen?.existingId) {
      const [existing] = await tx.select().from(payments).where(eq(payments.id, seen.existingId));
      if (existing) return { claimed: false, existing };
    }
    const reserved = BigInt(seen?.reserved ?? "0");
    if (funds.balance - reserved < BigInt(row.amount)) {
      return { claimed: false, insufficient: { balance: funds.balance.toString(), reserved: reserved.toString() } };
    }
    return this.insertClaim(tx, row);
  }

  private async insertClaim(db: LedgerDb, row: NewPayment): Promise<ClaimResult> {
    const [payment] = await db
      .insert(payments)
      .values({ ...row, status: "verified" })
      .onConflictDoNothing({ target: [payments.network, payments.asset, payments.payer, payments.nonce] })
      .returning();
    if (payment) return { claimed: true, payment };
    const existing = await this.findPaymentByNonce(row, db);
    // Rows are never deleted, so the row that conflicted is still there.
    if (!existing) throw new Error(`ledger: payment conflict on nonce ${row.nonce} but no row found`);
    return { claimed: false, existing };
  }

  /**
   * What a payer's balance must still cover: payments not yet settled that may still move money (verified,
   * settling, failed but retryable), plus those settled since shortly before the balance was read, whose
   * transfer that read may or may not have seen. Counting those twice refuses, never over-serves.
   */
  markSettling(id: string): Promise<TransitionResult> {
    // A retry starts clean: `error` describes the current failure only.
    return this.transition(id, "settling", { error: null, retryable: false, attempts: sql`${payments.attempts} + 1` });
  }

  /**
   * Reconciliation's claim on an unfinished payment, as it was read: moves it to settling only if
   * nobody has touched it since (same status, same attempt count), so one process retries it.
   */
  async claimForRetry(seen: Pick<Payment, "id" | "status" | "attempts">): Promise<TransitionResult> {
    const [payment] = await this.db
      .update(payments)
      .set({ status: "settling", error: null, retryable: false, attempts: sql`${payments.attempts} + 1`, updatedAt: sql`now()` })
      .where(
        and(
          eq(payments.id, seen.id),
          eq(payments.status, seen.status),
          eq(payments.attempts, seen.attempts),
          inArray(payments.status, ["verified", "settling", "failed"]),
        ),
      )
      .returning();
    if (payment) return { moved: true, payment };
    return { moved: false, current: await this.getPayment(seen.id) };
  }

  markSettled(id: string, settlement: { txHash: string; payer?: string }): Promise<TransitionResult> {
    return this.transition(id, "settled", {
      txHash: settlement.txHash,
      settledAt: sql`now()`,
      ...(settlement.payer === undefined ? {} : { payer: lower(settlement.payer) }),
    });
  }

  /** `retryable`: the cause was transient (RPC or facilitator unreachable), so reconciliation tries again. */
  markFailed(id: string, error: string, opts: { retryable?: boolean } = {}): Promise<TransitionResult> {
    return this.transition(id, "failed", { error, retryable: opts.retryable ?? false });
  }

  /** The agent failed before any output: the payment is released, never settled. */
  markVoided(id: string, reason: string): Promise<TransitionResult> {
    return this.transition(id, "voided", { error: reason });
  }

  async recordUsage(u: NewUsage): Promise<Usage> {
    const [row] = await this.db.insert(usage).values(u).returning();
    if (!row) throw new Error("ledger: usage insert returned no row");
    return row;
  }

  async getPayment(id: string): Promise<Payment | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await this.db.select().from(payments).where(eq(payments.id, id));
    return row;
  }

  async findPaymentByNonce(key: AuthorizationKey, db: LedgerDb = this.db): Promise<Payment | undefined> {
    const [row] = await db
      .select()
      .from(payments)
      .where(and(ofPayer(key), eq(payments.nonce, lower(key.nonce))));
    return row;
  }

  /** Newest first. */
  listPayments(opts: ListPaymentsOptions = {}): Promise<Payment[]> {
    const filters: SQL[] = [];
    if (opts.agentId !== undefined) filters.push(eq(payments.agentId, opts.agentId));
    if (opts.payer !== undefined) filters.push(eq(payments.payer, lower(opts.payer)));
    if (opts.status !== undefined) filters.push(eq(payments.status, opts.status));
    const limit = Math.min(Math.max(Math.trunc(opts.limit ?? DEFAULT_LIST_LIMIT), 1), MAX_LIST_LIMIT);
    return this.db
      .select()
      .from(payments)
      .where(and(...filters))
      // id breaks ties so that paging through equal timestamps is stable.
      .orderBy(desc(payments.createdAt), desc(payments.id))
      .limit(limit);
  }

  /**
   * Payments a crash may have left half done (verified or settling) and settlements that failed for a
   * transient cause, oldest first, for reconciliation. Age counts from the last transition by the
   * database's clock: a retry that just began is not stuck.
   */
  listUnfinishedPayments(opts: { olderThanMs?: number } = {}): Promise<Payment[]> {
    const filters: SQL[] = [
      or(inArray(payments.status, ["verified", "settling"]), and(eq(payments.status, "failed"), eq(payments.retryable, true)))!,
    ];
    if (opts.olderThanMs !== undefined) {
      filters.push(sql`${payments.updatedAt} <= now() - ${opts.olderThanMs} * interval '1 millisecond'`);
    }
    return this.db
      .select()
      .from(payments)
      .where(and(...filters))
      .orderBy(asc(payments.updatedAt), asc(payments.id));
  }

  /** Totals per agent, ordered by agent id. */
  async usageSummary(opts: { agentId?: string } = {}): Promise<AgentUsageSummary[]> {
    const replies = await this.db
      .select({
        agentId: usage.agentId,
        messages: count(),
        // sum() of int is bigint, which the drivers return as a string or a BigInt.
        inputTokens: sql<number>`coalesce(sum(${usage.inputTokens}), 0)`.mapWith(Number),
        outputTokens: sql<number>`coalesce(sum(${usage.outputTokens}), 0)`.mapWith(Number),
        toolCalls: sql<number>`coalesce(sum(${usage.toolCalls}), 0)`.mapWith(Number),
      })
      .from(usage)
      .where(opts.agentId === undefined ? undefined : eq(usage.agentId, opts.agentId))
      .groupBy(usage.agentId);
    const revenues = await this.db
      .select({
        agentId: payments.agentId,
        revenue: sql<string>`sum(${payments.amount})::text`,
      })
      .from(payments)
      .where(
        and(
          eq(payments.status, "settled"),
          opts.agentId === undefined ? undefined : eq(payments.agentId, opts.agentId),
        ),
      )
      .groupBy(payments.agentId);

    const byAgent = new Map<string, AgentUsageSummary>();
    const entry = (agentId: string) => {
      let summary = byAgent.get(agentId);
      if (!summary) {
        summary = { agentId, messages: 0, inputTokens: 0, outputTokens: 0, toolCalls: 0, revenue: "0" };
        byAgent.set(agentId, summary);
      }
      return summary;
    };
    for (const r of replies) Object.assign(entry(r.agentId), r);
    for (const r of revenues) entry(r.agentId).revenue = r.revenue;
    return [...byAgent.values()].sort((a, b) => a.agentId.localeCompare(b.agentId));
  }

  private async transition(
    id: string,
    to: keyof typeof ALLOWED_FROM,
    set: PgUpdateSetSource<typeof payments>,
  ): Promise<TransitionResult> {
    if (!UUID.test(id)) return { moved: false, current: undefined };
    const [payment] = await this.db
      .update(payments)
      .set({ ...set, status: to, updatedAt: sql`now()` })
      .where(and(eq(payments.id, id), inArray(payments.status, [...ALLOWED_FROM[to]])))
      .returning();
    if (payment) return { moved: true, payment };
    return { moved: false, current: await this.getPayment(id) };
  }
}
