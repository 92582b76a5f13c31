/**
 * The browser's record of what it paid: one entry per paid message, per
 * network, in localStorage. Pure functions over a storage, shared with tests.
 */
import { storageKeys } from "@/lib/browser/keys";
import { parseStoredList, type KeyValue } from "@/lib/browser/store";
import { USDC_DECIMALS, networkByChainId } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import type { ChatMessage } from "@/lib/x402/shared/chat-message";
import { localDay } from "@/lib/x402/payer/policy";
import type { SignedAuthorization } from "@/lib/x402/shared/receipt";

export interface PaymentRecord {
  /** The signed authorization's nonce (older records: the server's payment id or the transaction hash). */
  id: string;
  time: string;
  conversationId: string;
  agentId: string;
  agentName: string;
  /** USDC atomic units. */
  amount: string;
  chainId: number;
  network: string;
  transaction: string;
  /**
   * Settled: found on chain as signed. Pending: the agent will retry settlement. Unconfirmed: the agent claimed a
   * payment the chain does not show (yet). Failed: not charged. Only `settled` counts as spent.
   */
  status: "settled" | "pending" | "failed" | "unconfirmed";
  error?: string;
  /** What was signed; while `resolved` is unset, a record not settled is looked up on chain again. */
  authorization?: SignedAuthorization;
  /** The transaction the agent named, when the chain did not confirm it. */
  claimedTransaction?: string;
  /** The last block searched for the authorization's log. */
  scannedTo?: string;
  /** The chain's outcome is final (settled, expired or canceled). */
  resolved?: boolean;
  usage?: { model: string; inputTokens: number; outputTokens: number; toolCalls: number; latencyMs: number };
  /**
   * A tab's event (tab-history.ts). Only a `charge` is spent (a voucher, no transaction); a deposit or top-up is
   * money put in the tab, a refund or withdrawal money back, each with its transaction: they are shown, never summed.
   */
  tab?: TabRecord;
}

export type TabEventKind = "deposit" | "topup" | "charge" | "refund" | "withdrawal";

export interface TabRecord {
  kind: TabEventKind;
  /** Lowercase bytes32. */
  channelId: string;
  /** A charge's maximum (the voucher's increment), atomic. */
  maxAmount?: string;
  /** On the charge of the message that carried a deposit: the deposit's transaction, given to the deposit's row. */
  depositTransaction?: string;
}

/** What a record says was spent: exact payments and tab charges; a tab's deposits and refunds are not spending. */
export function isSpending(r: PaymentRecord): boolean {
  return !r.tab || r.tab.kind === "charge";
}

/** Enough for months of use; the oldest entries go first. */
const MAX_RECORDS = 5_000;

export function readPayments(storage: KeyValue, chainId: number): PaymentRecord[] {
  return parsePayments(storage.getItem(storageKeys.history(chainId)));
}

/** The stored text of a network's history, read; never throws (unreadable: no records). */
export function parsePayments(raw: string | null): PaymentRecord[] {
  return parseStoredList<PaymentRecord>(raw, isRecord);
}

export function addPayment(storage: KeyValue, record: PaymentRecord): void {
  const records = readPayments(storage, record.chainId).filter((r) => r.id !== record.id);
  const depositTx = record.tab?.depositTransaction;
  if (depositTx) {
    // The charge of the message that carried a deposit names its (checked) transaction: the deposit's row gets it.
    const deposit = records.find((r) => r.tab?.channelId === record.tab!.channelId && (r.tab.kind === "deposit" || r.tab.kind === "topup") && !r.transaction);
    if (deposit) Object.assign(deposit, { transaction: depositTx, status: "settled", resolved: true });
  }
  records.unshift(record);
  storage.setItem(storageKeys.history(record.chainId), JSON.stringify(records.slice(0, MAX_RECORDS)));
}

/** Changes one record in place (its position kept); false when it is gone. */
export function updatePayment(storage: KeyValue, chainId: number, id: string, patch: Partial<PaymentRecord>): boolean {
  const records = readPayments(storage, chainId);
  const index = records.findIndex((r) => r.id === id);
  if (index < 0) return false;
  records[index] = { ...records[index]!, ...patch };
  storage.setItem(storageKeys.history(chainId), JSON.stringify(records));
  return true;
}

/**
 * The history record of a paid reply, from its receipt (checked on chain by the browser, receipt-stream.ts:
 * success means found there) and usage; null for a reply without a receipt.
 */
export function recordOfReply(
  message: ChatMessage,
  meta: { conversationId: string; agentId: string; agentName: string; chainId: number; time?: string },
): PaymentRecord | null {
  const receipt = message.parts.find((p) => p.type === "data-receipt")?.data;
  if (!receipt) return null;
  const usage = message.parts.find((p) => p.type === "data-usage")?.data;
  if (receipt.tab && receipt.success) {
    // A tab's charge: a voucher, no transaction of its own (its deposit's has its own row); keyed like tabCharged's.
    const channelId = receipt.tab.channelId.toLowerCase();
    return {
      // A charge of 0 leaves the total as it was: its row is keyed by its reply too, so it is not taken for the one before.
      id: tabChargeId(channelId, receipt.tab.chargedCumulativeAmount) + (BigInt(receipt.tab.chargedAmount) === 0n ? `:0:${message.id}` : ""),
      time: meta.time ?? new Date().toISOString(),
      conversationId: meta.conversationId,
      agentId: meta.agentId,
      agentName: meta.agentName,
      amount: receipt.tab.chargedAmount,
      chainId: meta.chainId,
      network: receipt.network,
      transaction: "",
      status: "settled",
      resolved: true,
      tab: {
        kind: "charge",
        channelId,
        maxAmount: receipt.tab.maxAmount,
        ...(receipt.tab.depositTransaction && !receipt.tab.depositProblem && { depositTransaction: receipt.tab.depositTransaction }),
      },
      ...(usage && { usage: { model: usage.model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, toolCalls: usage.toolCalls, latencyMs: usage.latencyMs } }),
    };
  }
  return {
    id: receipt.authorization?.nonce ?? (receipt.paymentId || receipt.transaction),
    time: meta.time ?? new Date().toISOString(),
    conversationId: meta.conversationId,
    agentId: meta.agentId,
    agentName: meta.agentName,
    amount: receipt.amount,
    chainId: meta.chainId,
    network: receipt.network,
    transaction: receipt.transaction,
    status: receipt.success ? "settled" : receipt.unconfirmed ? "unconfirmed" : receipt.pending ? "pending" : "failed",
    ...(receipt.success && { resolved: true }),
    ...(receipt.error && { error: receipt.error }),
    ...(receipt.authorization && { authorization: receipt.authorization }),
    ...(receipt.claimedTransaction && { claimedTransaction: receipt.claimedTransaction }),
    ...(usage && { usage: { model: usage.model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, toolCalls: usage.toolCalls, latencyMs: usage.latencyMs } }),
  };
}

/** A tab charge's record id: one per charged total of the channel, so the same charge recorded twice is one row. */
export function tabChargeId(channelId: string, chargedCumulative: bigint | string): string {
  return `tab:${channelId.toLowerCase()}:charge:${chargedCumulative}`;
}

function isRecord(value: unknown): boolean {
  const r = value as PaymentRecord;
  return typeof r === "object" && r !== null && typeof r.id === "string" && typeof r.amount === "string" && /^\d+$/.test(r.amount);
}

export interface Totals {
  messages: number;
  /** Atomic units, settled payments only. */
  spent: bigint;
  inputTokens: number;
  outputTokens: number;
  toolCalls: number;
}

export interface Analytics {
  total: Totals & { costPerMessage: bigint };
  perAgent: Array<Totals & { agentId: string; agentName: string }>;
  perDay: Array<Totals & { day: string }>;
}

const emptyTotals = (): Totals => ({ messages: 0, spent: 0n, inputTokens: 0, outputTokens: 0, toolCalls: 0 });

function add(totals: Totals, r: PaymentRecord): void {
  totals.messages += 1;
  if (r.status === "settled") totals.spent += BigInt(r.amount);
  totals.inputTokens += r.usage?.inputTokens ?? 0;
  totals.outputTokens += r.usage?.outputTokens ?? 0;
  totals.toolCalls += r.usage?.toolCalls ?? 0;
}

export function analyze(records: readonly PaymentRecord[]): Analytics {
  const total = emptyTotals();
  const agents = new Map<string, Totals & { agentId: string; agentName: string }>();
  const days = new Map<string, Totals & { day: string }>();
  for (const r of records) {
    if (!isSpending(r)) continue; // a tab's deposit or refund: money moved into or out of a tab, not a message
    add(total, r);
    const agent = agents.get(r.agentId) ?? { ...emptyTotals(), agentId: r.agentId, agentName: r.agentName };
    add(agent, r);
    agents.set(r.agentId, agent);
    // The local day, as the day budget counts it (policy.ts), not the UTC date of the ISO time.
    const day = Number.isFinite(Date.parse(r.time)) ? localDay(new Date(r.time)) : r.time.slice(0, 10);
    const perDay = days.get(day) ?? { ...emptyTotals(), day };
    add(perDay, r);
    days.set(day, perDay);
  }
  return {
    total: { ...total, costPerMessage: total.messages ? total.spent / BigInt(total.messages) : 0n },
    perAgent: [...agents.values()].sort((a, b) => (b.spent > a.spent ? 1 : b.spent < a.spent ? -1 : 0)),
    perDay: [...days.values()].sort((a, b) => b.day.localeCompare(a.day)),
  };
}

const CSV_COLUMNS = ["time", "agent", "agentId", "amountUsdc", "network", "chainId", "transaction", "status", "inputTokens", "outputTokens", "toolCalls", "error", "kind", "tab"] as const;

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are quoted with a leading apostrophe. */
export function paymentsToCsv(records: readonly PaymentRecord[]): string {
  const cell = (value: string | number | undefined) => {
    let text = value === undefined ? "" : String(value);
    if (/^[=+\-@]/.test(text)) text = `'${text}`;
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const rows = records.map((r) => {
    const amount = formatUsdc(r.amount, networkByChainId(r.chainId)?.usdc.decimals ?? USDC_DECIMALS, { unit: false });
    const kind = r.tab ? `tab-${r.tab.kind}` : "exact";
    return [r.time, r.agentName, r.agentId, amount, r.network, r.chainId, r.transaction, r.status, r.usage?.inputTokens, r.usage?.outputTokens, r.usage?.toolCalls, r.error, kind, r.tab?.channelId]
      .map(cell)
      .join(",");
  });
  return [CSV_COLUMNS.join(","), ...rows].join("\r\n") + "\r\n";
}
