import "server-only";

import { and, eq, inArray, sql } from "drizzle-orm";
import pg from "pg";
import type { LedgerDb } from "./db";
import { channels, tabClaimer, tabEvents } from "./schema";

/**
 * What the tab claimer (lib/x402/settlement/claimer.ts) keeps in the ledger: its progress per network, the sums
 * of the claims and settlements it recorded, and the lock that lets exactly one server process claim at a time.
 */

export interface ClaimerProgress {
  /** The last block whose withdrawal events were read; null before the first run on this network. */
  lastBlock: bigint | null;
  /** When the periodic claim last came due; null before the first run. */
  lastClaimAt: Date | null;
}

export interface UnsettledClaim {
  channelId: string;
  receiver: string;
  token: string;
  /** Claimed (by recorded claims) and not yet covered by a recorded settlement, atomic units. */
  amount: bigint;
}

const lower = (hex: string) => hex.toLowerCase();

export class TabClaimerStore {
  constructor(private readonly db: LedgerDb) {}

  async progress(network: string): Promise<ClaimerProgress> {
    const [row] = await this.db.select().from(tabClaimer).where(eq(tabClaimer.network, network));
    return { lastBlock: row?.lastBlock ?? null, lastClaimAt: row?.lastClaimAt ?? null };
  }

  async saveProgress(network: string, update: Partial<ClaimerProgress>): Promise<void> {
    const values = { ...update, updatedAt: sql`now()` };
    await this.db
      .insert(tabClaimer)
      .values({ network, ...values })
      .onConflictDoUpdate({ target: tabClaimer.network, set: values });
  }

  /** Per channel, the sum of its recorded claims (channels without any are absent). */
  async recordedClaims(network: string, channelIds: string[]): Promise<Map<string, bigint>> {
    if (channelIds.length === 0) return new Map();
    const rows = await this.db
      .select({ channelId: tabEvents.channelId, total: sql<string>`sum(${tabEvents.amount})::text` })
      .from(tabEvents)
      .where(
        and(
          eq(tabEvents.network, network),
          eq(tabEvents.kind, "claim"),
          inArray(tabEvents.channelId, channelIds.map(lower)),
        ),
      )
      .groupBy(tabEvents.channelId);
    return new Map(rows.map((r) => [r.channelId, BigInt(r.total)]));
  }

  /** Channels whose recorded claims run ahead of their recorded settlements, with their receiver and token. */
  async unsettledClaims(network: string): Promise<UnsettledClaim[]> {
    const signed = sql`case when ${tabEvents.kind} = 'claim' then ${tabEvents.amount} else -${tabEvents.amount} end`;
    const rows = await this.db
      .select({
        channelId: tabEvents.channelId,
        receiver: channels.receiver,
        token: channels.token,
        amount: sql<string>`sum(${signed})::text`,
      })
      .from(tabEvents)
      .innerJoin(channels, eq(channels.channelId, tabEvents.channelId))
      .where(and(eq(tabEvents.network, network), inArray(tabEvents.kind, ["claim", "settle"])))
      .groupBy(tabEvents.channelId, channels.receiver, channels.token)
      .having(sql`sum(${signed}) > 0`);
    return rows.map((r) => ({ ...r, amount: BigInt(r.amount) }));
  }

  /** The claimer's lock on this database. */
  lock(): ClaimerLock {
    return sessionLock(this.db, LOCK_NAME);
  }
}

/** Exactly one holder across every process on the database, until it releases or its session ends. */
export interface ClaimerLock {
  /** Takes the lock, or confirms it is still held; false while another process holds it. */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

// Any constant works; every process that claims on this database must use the same one.
const LOCK_NAME = "x402-tab-claimer";

/** A lock of that kind under another name (e.g. the exact settlement worker's, settlement-queue.ts). */
export function sessionLock(db: LedgerDb, name: string): ClaimerLock {
  const client = (db as { $client?: unknown }).$client;
  return client instanceof pg.Pool ? new PostgresSessionLock(client, name) : new SingleSessionLock(db, name);
}

/**
 * Postgres: a session advisory lock on a connection of its own, kept out of the pool while held. A process that
 * dies ends its session and so frees the lock at once for another process; no lease to wait out.
 */
class PostgresSessionLock implements ClaimerLock {
  private held: pg.PoolClient | undefined;
  private lost = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly name: string,
  ) {}

  async acquire(): Promise<boolean> {
    if (this.held && !this.lost) {
      // A connection that died took the lock with it: find out before acting as the holder.
      try {
        await this.held.query("select 1");
        return true;
      } catch {
        this.lost = true;
      }
    }
    if (this.held) {
      this.held.release(true);
      this.held = undefined;
    }
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        "select pg_try_advisory_lock(hashtextextended($1, 402)) as locked",
        [this.name],
      );
      if (!rows[0]?.locked) {
        client.release();
        return false;
      }
    } catch (err) {
      client.release(true);
      throw err;
    }
    this.lost = false;
    // An idle held connection that fails emits here; unheard, that would crash the process.
    client.on("error", () => {
      this.lost = true;
    });
    this.held = client;
    return true;
  }

  async release(): Promise<void> {
    const client = this.held;
    this.held = undefined;
    if (!client) return;
    try {
      // Unlocked before release returns, so another process can take over at once (a discarded connection's
      // session ends a moment later, which would free it too, but not yet).
      if (!this.lost) await client.query("select pg_advisory_unlock(hashtextextended($1, 402))", [this.name]);
    } finally {
      client.release(true);
    }
  }
}

/** PGlite: one session in one process (PGlite cannot be opened by two), so the lock is that session's. */
class SingleSessionLock implements ClaimerLock {
  private held = false;

  constructor(
    private readonly db: LedgerDb,
    private readonly name: string,
  ) {}

  async acquire(): Promise<boolean> {
    if (this.held) return true;
    // Session advisory locks are re-entrant: taken once, released once.
    const result = (await this.db.execute(sql`select pg_try_advisory_lock(hashtextextended(${this.name}, 402)) as locked`)) as unknown as {
      rows: { locked: boolean }[];
    };
    this.held = result.rows[0]?.locked === true;
    return this.held;
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    await this.db.execute(sql`select pg_advisory_unlock(hashtextextended(${this.name}, 402))`);
  }
}
