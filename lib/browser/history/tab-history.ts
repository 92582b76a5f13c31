/**
 * A tab's rows in the payment history: its deposit and top-ups (each with its transaction), one row per charge (a
 * voucher: no transaction; the agent, and tokens when the reply's usage is known), and its refund or withdrawal
 * (with its transaction). Only charges are spent; for a closed tab they add up to its deposits less its refunds.
 * `reconcileTab` checks a tab's rows against the channel on chain (`channels(channelId)`).
 */
import { addPayment, readPayments, tabChargeId, updatePayment, type PaymentRecord, type TabEventKind } from "./payments";
import type { KeyValue } from "@/lib/browser/store";

export interface TabEvent {
  kind: TabEventKind;
  chainId: number;
  /** The network's CAIP-2 id. */
  network: string;
  channelId: string;
  /** Atomic units: the deposit, the charge, or what came back. */
  amount: bigint;
  transaction?: string;
  /** A charge's charged total on the tab, this charge included (its row's key). */
  chargedCumulative?: bigint;
  /** A charge's maximum (the voucher's increment). */
  maxAmount?: bigint;
  agentId?: string;
  agentName?: string;
  conversationId?: string;
  /** Deposits start pending (sent, not yet taken by the seller); the rest are final. */
  status?: PaymentRecord["status"];
  time?: string;
}

const isMoneyIn = (r: PaymentRecord) => r.tab?.kind === "deposit" || r.tab?.kind === "topup";

/** Writes one tab event as a history row; a charge already recorded (e.g. by its reply, with usage) is kept as is. */
export function recordTabEvent(storage: KeyValue, event: TabEvent): PaymentRecord {
  const channelId = event.channelId.toLowerCase();
  const time = event.time ?? new Date().toISOString();
  const records = readPayments(storage, event.chainId);
  const ofTab = records.filter((r) => r.tab?.channelId === channelId);
  const id =
    event.kind === "charge"
      ? tabChargeId(channelId, event.chargedCumulative ?? event.amount)
      : `tab:${channelId}:${event.kind}:${event.transaction || `${Date.parse(time)}:${event.amount}`}`;
  const existing = records.find((r) => r.id === id);
  if (existing) return existing;
  // A deposit into a tab that already has one taken is a top-up.
  const kind = event.kind === "deposit" && ofTab.some((r) => isMoneyIn(r) && r.status === "settled") ? "topup" : event.kind;
  // The tab's agent, from its earlier rows when the caller does not know it (a close from the side panel).
  const known = ofTab.find((r) => r.agentName);
  const record: PaymentRecord = {
    id,
    time,
    conversationId: event.conversationId ?? known?.conversationId ?? "",
    agentId: event.agentId ?? known?.agentId ?? "",
    agentName: event.agentName ?? known?.agentName ?? "Tab",
    amount: event.amount.toString(),
    chainId: event.chainId,
    network: event.network,
    transaction: event.transaction ?? "",
    status: event.status ?? (kind === "deposit" || kind === "topup" ? "pending" : "settled"),
    resolved: true,
    tab: { kind, channelId, ...(event.maxAmount !== undefined && { maxAmount: event.maxAmount.toString() }) },
  };
  addPayment(storage, record);
  return record;
}

/**
 * The seller's answer to the newest deposit of a tab still pending: taken (`settled`, with its transaction when
 * known) or refused (`failed`). False when there is none.
 */
export function settleTabDeposit(storage: KeyValue, chainId: number, channelId: string, patch: { status: "settled" | "failed"; transaction?: string; error?: string }): boolean {
  const id = channelId.toLowerCase();
  const pending = readPayments(storage, chainId).find((r) => r.tab?.channelId === id && isMoneyIn(r) && r.status === "pending");
  if (!pending) return false;
  return updatePayment(storage, chainId, pending.id, { status: patch.status, ...(patch.transaction && { transaction: patch.transaction }), ...(patch.error && { error: patch.error }) });
}

/** A tab's figures from its history rows. Atomic units. */
export interface TabTotals {
  channelId: string;
  /** Deposits and top-ups the seller took. */
  deposited: bigint;
  charged: bigint;
  charges: number;
  /** Refunds and withdrawals. */
  returned: bigint;
  closed: boolean;
}

export function tabTotals(records: readonly PaymentRecord[]): TabTotals[] {
  const tabs = new Map<string, TabTotals>();
  for (const r of records) {
    if (!r.tab) continue;
    const t = tabs.get(r.tab.channelId) ?? { channelId: r.tab.channelId, deposited: 0n, charged: 0n, charges: 0, returned: 0n, closed: false };
    const amount = BigInt(r.amount);
    if (isMoneyIn(r) && r.status === "settled") t.deposited += amount;
    else if (r.tab.kind === "charge" && r.status === "settled") {
      t.charged += amount;
      t.charges += 1;
    } else if (r.tab.kind === "refund" || r.tab.kind === "withdrawal") {
      t.returned += amount;
      t.closed = true;
    }
    tabs.set(r.tab.channelId, t);
  }
  return [...tabs.values()];
}

/** `channels(channelId)` on the batch-settlement contract: what the tab holds, and what the seller claimed of it. */
export interface ChannelOnChain {
  balance: bigint;
  totalClaimed: bigint;
}

export type Reconciliation = { channelId: string; matches: true } | { channelId: string; matches: false; why: string };

/**
 * Whether a tab's history agrees with its channel on chain. Open: the channel holds what was deposited here, at least
 * what was charged here, and the seller claimed no more than that. Closed: the charges are the deposits less what came
 * back, the channel holds nothing unclaimed, and the seller claimed exactly the charges.
 */
export function reconcileTab(totals: TabTotals, chain: ChannelOnChain): Reconciliation {
  const { channelId } = totals;
  const fail = (why: string): Reconciliation => ({ channelId, matches: false, why });
  if (chain.totalClaimed > totals.charged) return fail(`the seller claimed ${chain.totalClaimed}, more than the ${totals.charged} charged here`);
  if (totals.closed) {
    if (chain.balance > chain.totalClaimed) return fail(`closed, yet the channel still holds ${chain.balance - chain.totalClaimed} unclaimed`);
    if (totals.deposited - totals.returned !== totals.charged) {
      return fail(`deposits ${totals.deposited} less refunds ${totals.returned} are not the ${totals.charged} charged`);
    }
    if (chain.totalClaimed !== totals.charged) return fail(`the seller claimed ${chain.totalClaimed} of the ${totals.charged} charged`);
    return { channelId, matches: true };
  }
  if (totals.charged > chain.balance) return fail(`charges of ${totals.charged} recorded above the channel's balance of ${chain.balance}`);
  if (chain.balance !== totals.deposited) return fail(`the channel holds ${chain.balance}, the deposits recorded here are ${totals.deposited}`);
  return { channelId, matches: true };
}
