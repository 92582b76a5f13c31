/**
 * What the history's charts draw, from the payment records: settled spend only (the one that moved money), as
 * the totals above them count it. Pure, so tests check it without a browser.
 */
import { isSpending, type PaymentRecord } from "@/lib/browser/history/payments";

export interface SpendPoint {
  /** Milliseconds since the epoch. */
  time: number;
  /** Atomic units spent up to and including this payment. */
  cumulative: bigint;
}

/** One point per settled payment, oldest first, each with the running total. */
export function spendOverTime(records: readonly PaymentRecord[]): SpendPoint[] {
  const settled = records
    .filter((r) => r.status === "settled" && isSpending(r) && Number.isFinite(Date.parse(r.time)))
    .map((r) => ({ time: Date.parse(r.time), amount: BigInt(r.amount) }))
    .sort((a, b) => a.time - b.time);
  let total = 0n;
  return settled.map(({ time, amount }) => ({ time, cumulative: (total += amount) }));
}

export interface AgentSpend {
  agentId: string;
  agentName: string;
  /** Atomic units, settled. */
  spent: bigint;
  messages: number;
}

/** Settled spend per agent, largest first; agents that were never charged (all failed) are left out. */
export function spendPerAgent(records: readonly PaymentRecord[]): AgentSpend[] {
  const agents = new Map<string, AgentSpend>();
  for (const r of records) {
    if (r.status !== "settled" || !isSpending(r)) continue; // a tab's deposit or refund is not spending
    const agent = agents.get(r.agentId) ?? { agentId: r.agentId, agentName: r.agentName, spent: 0n, messages: 0 };
    agent.spent += BigInt(r.amount);
    agent.messages += 1;
    agents.set(r.agentId, agent);
  }
  return [...agents.values()].sort((a, b) => (b.spent > a.spent ? 1 : b.spent < a.spent ? -1 : a.agentName.localeCompare(b.agentName)));
}

/** Atomic units as a plain number of USDC for a chart's axis (exact enough to draw; labels use formatUsdc). */
export function toUsdcNumber(atomic: bigint, decimals: number): number {
  return Number(atomic) / 10 ** decimals;
}
