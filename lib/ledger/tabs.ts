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

  async get(channelId: string): Promise<Channel | undefined> {
    const [row] = await this.db
      .select({ state: channels.state })
      .from(channels)
      .where(and(eq(channels.channelId, lower(channelId)), eq(channels.network, this.network)));
    return row ? (JSON.parse(row.state) as Channel) : undefined;
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
   * Reads and writes one channel atomically across processes: on Postgres a transaction-scoped advisory lock on
   * the channel id serializes every update of it (a row lock could not hold a channel that has no row yet); on
   * PGlite the transaction alone does.
   */
  async updateChannel(channelId: string, update: (current: Channel | undefined) => Channel | undefined): Promise<ChannelUpdateResult> {
    const id = lower(channelId);
    return this.db.transaction(async (tx) => {
      if (this.lockChannels) await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`tab:${id}`}, 402))`);
      const [row] = await tx.select({ state: channels.state }).from(channels).where(eq(channels.channelId, id));
      const current = row ? (JSON.parse(row.state) as Channel) : undefined;
      const next = update(current);
      if (next === current) return { channel: current, status: "unchanged" as const };
      if (next === undefined) {
        await tx.delete(channels).where(eq(channels.channelId, id));
        return { channel: undefined, status: "deleted" as const };
      }
      const values = {
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
      await tx
        .insert(channels)
        .values({ channelId: id, ...values })
        .onConflictDoUpdate({ target: channels.channelId, set: values });
      return { channel: next, status: "updated" as const };
    });
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
