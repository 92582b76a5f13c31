import "server-only";

import { and, asc, eq, gt, is, sql } from "drizzle-orm";
import { PgliteDatabase } from "drizzle-orm/pglite";
import type { Channel, ChannelStorage, ChannelUpdateResult } from "@x402/evm/batch-settlement/server";
import type { LedgerDb } from "./db";
import { channels, tabEvents, TAB_EVENT_KINDS } from "./schema";

/**
 * Tabs in the ledger: the SDK's channel storage (one row per channel, in PGlite or Postgres), and a record of
 * every deposit, charge, claim, settlement and refund. One store serves one network: channel ids are hashed
 * with the chain id, so they never collide across networks, but the claimer works per network.
 */

export type TabEventKind = (typeof TAB_EVENT_KINDS)[number];
export type TabEvent = typeof tabEvents.$inferSelect;
export type NewTabEvent = Omit<typeof tabEvents.$inferInsert, "id" | "createdAt" | "network">;

const lower = (hex: string) => hex.toLowerCase();

export class TabLedger implements ChannelStorage {
  /**
   * PGlite is one process's database, and its transactions already exclude every other query of that process:
   * the channel lock would only cost a statement on each update of a paid message's hot path.
   */
  private readonly lockChannels: boolean;

  constructor(
    private readonly db: LedgerDb,
    /** CAIP-2 id of the network this store serves. */
    readonly network: string,
  ) {
    this.lockChannels = !is(db, PgliteDatabase);
  }

  async list(): Promise<Channel[]> {
    const rows = await this.db
      .select({ state: channels.state })
      .from(channels)
      .where(eq(channels.network, this.network))
      .orderBy(asc(channels.channelId));
    return rows.map((r) => JSON.parse(r.state) as Channel);
  }

  /**
   * Each channel's state (its JSON) as this process last read or wrote it, null for no row: the expected value of
   * a compare-and-swap write, so a message's updates cost one statement each instead of a transaction of a read
   * and a write. Never trusted alone: a write that finds another state (another process wrote it, or something
   * outside the ledger changed or deleted the row) changes nothing and falls back to the locked read-and-write.
   */
  private readonly known = new Map<string, string | null>();

  async get(channelId: string): Promise<Channel | undefined> {
    const id = lower(channelId);
    const [row] = await this.db
      .select({ state: channels.state })
      .from(channels)
      .where(and(eq(channels.channelId, id), eq(channels.network, this.network)));
    return row ? (JSON.parse(row.state) as Channel) : undefined;
  }

  /**
   * Reads and writes one channel atomically across processes: first as one compare-and-swap statement against the
   * state this process knows; when that finds another state, in a transaction that reads the row and writes it,
   * on Postgres under a transaction-scoped advisory lock on the channel id (a row lock could not hold a channel
   * that has no row yet) and a row lock (so a concurrent compare-and-swap waits, then sees the new state); on
   * PGlite the transaction alone excludes everything else.
   */
  async updateChannel(channelId: string, update: (current: Channel | undefined) => Channel | undefined): Promise<ChannelUpdateResult> {
    const id = lower(channelId);
    const known = this.known.get(id);
    if (known !== undefined) {
      const swapped = await this.swap(id, known, update);
      if (swapped) return swapped;
    }
    return this.lockedUpdate(id, update);
  }

  /** The update against the known state in one statement, or null when the row is not in that state. */
  private async swap(
    id: string,
    expected: string | null,
    update: (current: Channel | undefined) => Channel | undefined,
  ): Promise<ChannelUpdateResult | null> {
    const current = expected === null ? undefined : (JSON.parse(expected) as Channel);
    const next = update(current);
    const inState = expected === null ? undefined : and(eq(channels.channelId, id), eq(channels.state, expected));
    if (next === current) {
      // Nothing to write, but the decision was made on the known state: it must still be the row's.
      const [row] = await this.db.select({ state: channels.state }).from(channels).where(eq(channels.channelId, id));
      return (row?.state ?? null) === expected ? { channel: current, status: "unchanged" } : null;
    }
    if (next === undefined) {
      const gone = await this.db.delete(channels).where(inState).returning({ id: channels.channelId });
      if (gone.length === 0) return null;
      this.known.set(id, null);
      return { channel: undefined, status: "deleted" };
    }
    const values = this.rowOf(next);
    const written =
      expected === null
        ? await this.db.insert(channels).values({ channelId: id, ...values }).onConflictDoNothing().returning({ id: channels.channelId })
        : await this.db.update(channels).set(values).where(inState).returning({ id: channels.channelId });
    if (written.length === 0) return null;
    this.known.set(id, values.state);
    return { channel: next, status: "updated" };
  }

  private async lockedUpdate(id: string, update: (current: Channel | undefined) => Channel | undefined): Promise<ChannelUpdateResult> {
    return this.db.transaction(async (tx) => {
      if (this.lockChannels) await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`tab:${id}`}, 402))`);
      const read = tx.select({ state: channels.state }).from(channels).where(eq(channels.channelId, id));
      const [row] = this.lockChannels ? await read.for("update") : await read;
      const current = row ? (JSON.parse(row.state) as Channel) : undefined;
      const next = update(current);
      if (next === current) {
        this.known.set(id, row?.state ?? null);
        return { channel: current, status: "unchanged" as const };
      }
      if (next === undefined) {
        await tx.delete(channels).where(eq(channels.channelId, id));
        this.known.set(id, null);
        return { channel: undefined, status: "deleted" as const };
      }
      const values = this.rowOf(next);
      await tx
        .insert(channels)
        .values({ channelId: id, ...values })
        .onConflictDoUpdate({ target: channels.channelId, set: values });
      this.known.set(id, values.state);
      return { channel: next, status: "updated" as const };
    });
  }

  private rowOf(next: Channel) {
    return {
      network: this.network,
      payer: lower(next.channelConfig.payer),
      receiver: lower(next.channelConfig.receiver),
      token: lower(next.channelConfig.token),
      state: JSON.stringify(next),
      chargedCumulative: next.chargedCumulativeAmount,
      totalClaimed: next.totalClaimed,
      withdrawRequestedAt: next.withdrawRequestedAt,
      updatedAt: sql`now()`,
    };
  }

  /** Channels whose charges run ahead of what was claimed on chain, oldest update first. */
  async listUnclaimed(): Promise<Channel[]> {
    const rows = await this.db
      .select({ state: channels.state })
      .from(channels)
      .where(and(eq(channels.network, this.network), gt(channels.chargedCumulative, channels.totalClaimed)))
      .orderBy(asc(channels.updatedAt));
    return rows.map((r) => JSON.parse(r.state) as Channel);
  }

  /** Atomic units charged but not yet claimed, over all channels of this network. */
  async unclaimedTotal(): Promise<bigint> {
    const [row] = await this.db
      .select({ total: sql<string>`coalesce(sum(${channels.chargedCumulative} - ${channels.totalClaimed}), 0)::text` })
      .from(channels)
      .where(eq(channels.network, this.network));
    return BigInt(row?.total ?? "0");
  }

  async recordEvent(event: NewTabEvent): Promise<TabEvent> {
    const [row] = await this.db
      .insert(tabEvents)
      .values({ ...event, channelId: lower(event.channelId), payer: event.payer && lower(event.payer), network: this.network })
      .returning();
    if (!row) throw new Error("ledger: tab event insert returned no row");
    return row;
  }

  /** A channel's events, oldest first. */
  listEvents(channelId: string): Promise<TabEvent[]> {
    return this.db
      .select()
      .from(tabEvents)
      .where(eq(tabEvents.channelId, lower(channelId)))
      .orderBy(asc(tabEvents.createdAt), asc(tabEvents.id));
  }
}
