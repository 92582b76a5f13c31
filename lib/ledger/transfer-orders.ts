import "server-only";

import { and, eq, or, sql } from "drizzle-orm";
import type { LedgerDb } from "./db";
import { payments, tabEvents, transferOrders } from "./schema";

export type TransferOrder = typeof transferOrders.$inferSelect;
export type NewTransferOrder = Pick<TransferOrder, "network" | "txHash" | "agentId" | "payer" | "payTo" | "asset" | "amount">;

/**
 * A run still `running` after this long died with its process (a reply takes seconds; the agent's steps and tools
 * are bounded): its hash is taken back like a failed one, so a crash does not keep a paid reply from its payer.
 */
export const STALE_RUN_MS = 10 * 60_000;

export type TransferClaim = { claimed: true; order: TransferOrder } | { claimed: false; existing: TransferOrder };

/** One agent's paid messages, all schemes together. */
export interface AgentPaidMessages {
  agentId: string;
  messages: number;
}

/**
 * Orders paid by transfer (Atelier's pay-then-prove): a transaction hash is claimed once per network, by one
 * conditional write, whichever process sees it first.
 */
export class TransferOrderStore {
  constructor(private readonly db: LedgerDb) {}

  /**
   * Claims a transfer for one reply: a new hash is inserted `running`; a hash whose earlier run failed (delivered
   * nothing) or died (running past STALE_RUN_MS) is taken back to `running` by one conditional UPDATE; any other
   * (running now, or completed) is not claimed.
   */
  async claim(order: NewTransferOrder): Promise<TransferClaim> {
    const row = { ...order, txHash: order.txHash.toLowerCase(), payer: order.payer.toLowerCase(), payTo: order.payTo.toLowerCase(), asset: order.asset.toLowerCase() };
    const [inserted] = await this.db.insert(transferOrders).values(row).onConflictDoNothing({ target: [transferOrders.network, transferOrders.txHash] }).returning();
    if (inserted) return { claimed: true, order: inserted };
    const key = and(eq(transferOrders.network, row.network), eq(transferOrders.txHash, row.txHash));
    const [retried] = await this.db
      .update(transferOrders)
      .set({ status: "running", error: null, updatedAt: sql`now()` })
      .where(and(key, or(eq(transferOrders.status, "failed"), and(eq(transferOrders.status, "running"), sql`${transferOrders.updatedAt} < now() - ${STALE_RUN_MS} * interval '1 millisecond'`))))
      .returning();
    if (retried) return { claimed: true, order: retried };
    const [existing] = await this.db.select().from(transferOrders).where(key);
    // Rows are never deleted, so the row that conflicted is still there.
    if (!existing) throw new Error(`ledger: transfer order conflict on ${row.txHash} but no row found`);
    return { claimed: false, existing };
  }

  /** The reply was delivered: the hash is spent for good. */
  async complete(id: string): Promise<void> {
    await this.db.update(transferOrders).set({ status: "completed", updatedAt: sql`now()` }).where(and(eq(transferOrders.id, id), eq(transferOrders.status, "running")));
  }

  /** The run delivered nothing: the hash is released, so its payer can ask again with it. */
  async fail(id: string, error: string): Promise<void> {
    await this.db.update(transferOrders).set({ status: "failed", error, updatedAt: sql`now()` }).where(and(eq(transferOrders.id, id), eq(transferOrders.status, "running")));
  }

  /**
   * Paid messages per agent, most first: settled x402 payments, tab charges of more than 0, and completed orders
   * paid by transfer. Bounded by `limit`.
   */
  async paidMessagesByAgent(limit: number): Promise<AgentPaidMessages[]> {
    const rows = await this.db.execute<{ agent_id: string; messages: string | number }>(sql`
      select agent_id, count(*) as messages from (
        select ${payments.agentId} as agent_id from ${payments} where ${payments.status} = 'settled'
        union all
        select ${tabEvents.agentId} from ${tabEvents} where ${tabEvents.kind} = 'charge' and ${tabEvents.amount} > 0 and ${tabEvents.agentId} is not null
        union all
        select ${transferOrders.agentId} from ${transferOrders} where ${transferOrders.status} = 'completed'
      ) paid
      group by agent_id
      order by count(*) desc, agent_id
      limit ${limit}`);
    // node-postgres answers { rows }, PGlite the same; count() comes back as a string or a number.
    const list = (rows as unknown as { rows: Array<{ agent_id: string; messages: string | number }> }).rows;
    return list.map((r) => ({ agentId: r.agent_id, messages: Number(r.messages) }));
  }
}
