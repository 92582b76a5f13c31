import "server-only";

import { AsyncLocalStorage } from "node:async_hooks";
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
export type NewTabEvent = Omit<typeof tabEvents.$inferInsert, "createdAt" | "network">;

const lower = (hex: string) => hex.toLowerCase();

/**
 * A strict update (see updateChannel) found the channel in another state than this process knew: its caller decided
 * on a state that is no longer the row's, so nothing was written.
 */
export class StaleChannelState extends Error {
  constructor(readonly channelId: string) {
    super(`ledger: channel ${channelId} changed since this process read it`);
  }
}

/** How many channels' states a store remembers for its compare-and-swap writes, least recently used out first. */
export const KNOWN_CHANNELS_CAP = 10_000;

/**
 * A reply's charge on its channel, with the history row it gets: written by the statement that commits the charge
 * (see chargingWith), so the row and the channel's charged total are one atomic write. `id` is made beforehand, so
 * the receipt names the row.
 */
export interface PendingCharge {
  id: string;
  channelId: string;
  amount: bigint;
  agentId: string;
  payer: string;
  inputTokens: number | null;
  outputTokens: number | null;
  /** Set once the charge's row is written, with the channel's charged total after it. */
  written?: { cumulative: string };
}

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
    private readonly knownCap = KNOWN_CHANNELS_CAP,
  ) {
    this.lockChannels = !is(db, PgliteDatabase);
  }

  /** The charge being settled in this async context (chargingWith); the channel update that commits it writes its row. */
  private readonly charging = new AsyncLocalStorage<PendingCharge>();

  /**
   * Runs `settle` (the SDK's settle of a voucher, whose hook commits the charge through updateChannel) so that the
   * update committing `charge` also inserts its history row, in the same statement. `charge.written` says whether
   * it did (it does not for a settle that committed nothing, e.g. a refused one).
   */
  chargingWith<T>(charge: PendingCharge, settle: () => Promise<T>): Promise<T> {
    return this.charging.run({ ...charge, channelId: lower(charge.channelId) }, async () => {
      try {
        return await settle();
      } finally {
        charge.written = this.charging.getStore()?.written;
      }
    });
  }

  /** The pending charge that the update current → next commits: this channel's, its amount added, its reservation cleared. */
  private chargeCommittedBy(id: string, current: Channel | undefined, next: Channel | undefined): PendingCharge | null {
    const charge = this.charging.getStore();
    if (!charge || charge.written || charge.channelId !== id || !current || !next) return null;
    if (!current.pendingRequest || next.pendingRequest) return null;
    return BigInt(next.chargedCumulativeAmount) - BigInt(current.chargedCumulativeAmount) === charge.amount ? charge : null;
  }

  private chargeRow(charge: PendingCharge, cumulative: string) {
    return {
      id: charge.id,
      channelId: charge.channelId,
      network: this.network,
      kind: "charge" as const,
      amount: charge.amount.toString(),
      cumulative,
      payer: lower(charge.payer),
      agentId: charge.agentId,
      inputTokens: charge.inputTokens,
      outputTokens: charge.outputTokens,
    };
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

  private recall(id: string): string | null | undefined {
    const state = this.known.get(id);
    if (state !== undefined) {
      // Most recently used last: Map keeps insertion order.
      this.known.delete(id);
      this.known.set(id, state);
    }
    return state;
  }

  private remember(id: string, state: string | null): void {
    this.known.delete(id);
    this.known.set(id, state);
    // Bounded: every channel ever paid in this process would otherwise stay here. A forgotten one costs its next
    // update the locked read-and-write once.
    if (this.known.size > this.knownCap) this.known.delete(this.known.keys().next().value!);
  }

  /** How many channels' states this store remembers (bounded by its cap). */
  get knownChannels(): number {
    return this.known.size;
  }

  async get(channelId: string): Promise<Channel | undefined> {
    const id = lower(channelId);
    const [row] = await this.db
      .select({ state: channels.state })
      .from(channels)
      .where(and(eq(channels.channelId, id), eq(channels.network, this.network)));
    return row ? (JSON.parse(row.state) as Channel) : undefined;
  }

  /**
   * The channel as this process last read or wrote it, without a statement (`cached`), else read from its row and
   * remembered. Whoever decides on a cached state must write with a strict update, which refuses if the row is no
   * longer in that state.
   */
  async recalled(channelId: string): Promise<{ channel: Channel | undefined; cached: boolean }> {
    const id = lower(channelId);
    const known = this.recall(id);
    if (known) return { channel: JSON.parse(known) as Channel, cached: true };
    const [row] = await this.db.select({ state: channels.state }).from(channels).where(and(eq(channels.channelId, id), eq(channels.network, this.network)));
    this.remember(id, row?.state ?? null);
    return { channel: row ? (JSON.parse(row.state) as Channel) : undefined, cached: false };
  }

  /**
   * Reads and writes one channel atomically across processes: first as one compare-and-swap statement against the
   * state this process knows; when that finds another state, in a transaction that reads the row and writes it,
   * on Postgres under a transaction-scoped advisory lock on the channel id (a row lock could not hold a channel
   * that has no row yet) and a row lock (so a concurrent compare-and-swap waits, then sees the new state); on
   * PGlite the transaction alone excludes everything else.
   *
   * `strict`: the update was decided (beyond `update`'s own argument) on the state this process knows, so it is only
   * the compare-and-swap: a row in another state is not read again but refused (StaleChannelState) and forgotten, so
   * the caller's next read is the row's.
   */
  async updateChannel(
    channelId: string,
    update: (current: Channel | undefined) => Channel | undefined,
    { strict = false }: { strict?: boolean } = {},
  ): Promise<ChannelUpdateResult> {
    const id = lower(channelId);
    const known = this.recall(id);
    if (known !== undefined) {
      const swapped = await this.swap(id, known, update);
      if (swapped) return swapped;
    }
    if (strict) {
      this.known.delete(id);
      throw new StaleChannelState(id);
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
      this.remember(id, null);
      return { channel: undefined, status: "deleted" };
    }
    const values = this.rowOf(next);
    const charge = this.chargeCommittedBy(id, current, next);
    const written = charge
      ? await this.swapCharging(id, expected!, values, charge)
      : expected === null
        ? await this.db.insert(channels).values({ channelId: id, ...values }).onConflictDoNothing().returning({ id: channels.channelId })
        : await this.db.update(channels).set(values).where(inState).returning({ id: channels.channelId });
    if (written.length === 0) return null;
    if (charge) charge.written = { cumulative: next.chargedCumulativeAmount };
    this.remember(id, values.state);
    return { channel: next, status: "updated" };
  }

  /**
   * The compare-and-swap of a charge's commit and the insert of its history row, as one statement: the row is
   * inserted only if the swap wrote, so the two never part. Rows of its result: one when it wrote.
   */
  private async swapCharging(id: string, expected: string, values: ReturnType<TabLedger["rowOf"]>, charge: PendingCharge): Promise<unknown[]> {
    const row = this.chargeRow(charge, values.chargedCumulative);
    const result = (await this.db.execute(sql`
      with swapped as (
        update ${channels} set
          network = ${values.network}, payer = ${values.payer}, receiver = ${values.receiver}, token = ${values.token},
          state = ${values.state}, charged_cumulative = ${values.chargedCumulative}, total_claimed = ${values.totalClaimed},
          withdraw_requested_at = ${values.withdrawRequestedAt}, updated_at = now()
        where channel_id = ${id} and state = ${expected}
        returning channel_id
      )
      insert into ${tabEvents} (id, channel_id, network, kind, amount, cumulative, payer, agent_id, input_tokens, output_tokens)
      select ${row.id}::uuid, channel_id, ${row.network}::text, ${row.kind}::text, ${row.amount}::numeric, ${row.cumulative}::numeric,
        ${row.payer}::text, ${row.agentId}::text, ${row.inputTokens}::integer, ${row.outputTokens}::integer
      from swapped
      returning id`)) as unknown as { rows: unknown[] };
    return result.rows;
  }

  private async lockedUpdate(id: string, update: (current: Channel | undefined) => Channel | undefined): Promise<ChannelUpdateResult> {
    let committed: PendingCharge | null = null;
    const result = await this.db.transaction(async (tx) => {
      if (this.lockChannels) await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`tab:${id}`}, 402))`);
      const read = tx.select({ state: channels.state }).from(channels).where(eq(channels.channelId, id));
      const [row] = this.lockChannels ? await read.for("update") : await read;
      const current = row ? (JSON.parse(row.state) as Channel) : undefined;
      const next = update(current);
      if (next === current) {
        this.remember(id, row?.state ?? null);
        return { channel: current, status: "unchanged" as const };
      }
      if (next === undefined) {
        await tx.delete(channels).where(eq(channels.channelId, id));
        this.remember(id, null);
        return { channel: undefined, status: "deleted" as const };
      }
      const values = this.rowOf(next);
      await tx
        .insert(channels)
        .values({ channelId: id, ...values })
        .onConflictDoUpdate({ target: channels.channelId, set: values });
      committed = this.chargeCommittedBy(id, current, next);
      if (committed) await tx.insert(tabEvents).values(this.chargeRow(committed, next.chargedCumulativeAmount));
      this.remember(id, values.state);
      return { channel: next, status: "updated" as const };
    });
    // Marked once the transaction committed: a failed commit wrote no row.
    if (committed) (committed as PendingCharge).written = { cumulative: result.channel!.chargedCumulativeAmount };
    return result;
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
