import "server-only";
import type { SettleResponse } from "@x402/core/types";
import { runAgent } from "@/lib/agents/engine";
import { chargeForReply } from "@/lib/agents/pricing";
import { explorerTxUrl } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { describeError, type WireError } from "@/lib/errors";
import type { Receipt, UsageReport } from "@/lib/x402/shared/receipt";
import type { ExactPaidRequest, PaidRequest } from "./gate";
import { keptReplyOf } from "./reply-store";
import { settleAndRecord } from "./settlement";
import { chargeTab, paymentResponseHeaders } from "./tab-payment";

/** Why a payment was voided when the payer hung up: recorded in the ledger, as reconciliation words it too. */
export const DISCONNECTED_BEFORE_REPLY = "the client disconnected before the reply; not charged";

const NO_OUTPUT = "the agent produced no output";

/** Why a delivered reply was not charged: recorded in the ledger (exact) and said on its receipt. */
export const EVERY_TOOL_FAILED = "every tool call of the reply failed";

/** A failure the payer is told about: a reply that was not delivered, or one whose payment did not settle. */
export interface ReplyError extends WireError {
  code: "agent_failed" | "client_disconnected" | "settlement_failed";
}

/**
 * One paid reply and the rule it is charged by: only what was delivered is paid for. The first content on its way
 * to the payer starts settlement; a reply that ends before any (the agent failed, said nothing, or the payer hung
 * up) is voided, never settled; the finish of a delivered reply gives its usage and receipt. The stream and JSON
 * adapters only say when content goes out and how the reply ended.
 *
 * On a tab the same rule charges the reply's actual cost (chargeForReply on its usage, never above the price the
 * voucher authorized), once the reply has ended and its usage is known; a reply that delivered nothing is charged
 * 0, which still settles, so the channel's reservation clears and a deposit it carried lands.
 *
 * A reply whose every tool call failed (a toolkit unreachable) delivered words but not what was paid for: it is
 * charged 0 on a tab and voided for exact. Exact therefore starts settlement at the first answer, not the first
 * content: the first text before any tool call, or the first tool call that succeeds. Reasoning and tool calls
 * stream meanwhile. A reply that ends without either is voided if every tool call failed, and settled then
 * otherwise (reasoning alone, or a tool call the payer hung up on). This is safe for the payee: the authorization
 * was verified and the payer's balance reserved in the ledger before anything streamed, as for a settlement started
 * at the first token, and the wait is the model's reasoning plus its tools (DeFiLlama gives up after 5 s). Nobody
 * pays for a reply they did not get: a void is recorded before its receipt goes out and the authorization is never
 * sent. A tool call failing after the answer began cannot void an exact payment already settling (a tab charges 0).
 */
export class PaidReply {
  /** The agent's run, started at once with the payer's signal: a hang-up aborts it. */
  readonly run: ReturnType<typeof runAgent>;
  /** exact: the settlement, started at the first delivered content. */
  private settlement: Promise<Receipt> | null = null;
  private started = false;
  private firstTokenMs: number | null = null;
  /** tab: the SDK's settle response, for the JSON reply's PAYMENT-RESPONSE. */
  private tabResponse: SettleResponse | null = null;
  /** A tool call came before any text: the reply's worth is its tools' results. */
  private toolCalled = false;
  private toolSucceeded = false;
  private toolsFailed = 0;

  constructor(
    private readonly paid: PaidRequest,
    private readonly signal: AbortSignal,
  ) {
    this.run = runAgent({
      agent: paid.quote.agent,
      messages: paid.request.messages,
      selectedToolkits: paid.request.body.selectedToolkits,
      abortSignal: signal,
    });
  }

  /** The agent produced its first content (the time to first token), whether or not the payer has it yet. */
  produced(): void {
    this.firstTokenMs ??= Math.round(performance.now() - this.paid.startedAt);
  }

  /**
   * Content is on its way to the payer: from here the reply is paid for. Exact settlement starts at the first
   * `text` unless a `tool` call came before it (then at the first tool call that succeeds: toolOutcome); `other`
   * content (reasoning) starts nothing. Cheap enough to call for every chunk.
   */
  delivering(content: "text" | "tool" | "other" = "text"): void {
    if (!this.started) {
      this.started = true;
      this.produced();
    }
    if (content === "tool") this.toolCalled = true;
    else if (content === "text" && !this.toolCalled) this.startSettlement();
  }

  /** A tool call of the reply ended: `ok` when it returned a result, false when it failed. */
  toolOutcome(ok: boolean): void {
    if (!ok) {
      this.toolsFailed += 1;
      return;
    }
    this.toolSucceeded = true;
    if (this.started) this.startSettlement();
  }

  private startSettlement(): void {
    const paid = this.paid;
    // Beside the reply, and only once content is on its way: settling costs CPU (ledger, signing the transaction)
    // that the first token must not wait for. A tab's charge waits for the reply's usage (finish()).
    if (paid.kind === "exact" && !this.settlement) {
      this.settlement = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.settle(paid));
    }
  }

  /** The reply made tool calls and every one of them failed: it is not charged. */
  private everyToolFailed(toolCalls: number): boolean {
    return toolCalls > 0 && !this.toolSucceeded && this.toolsFailed >= toolCalls;
  }

  /** Whether content has gone out, so the reply is being paid for. */
  get delivered(): boolean {
    return this.started;
  }

  /**
   * The reply ends with nothing delivered: the payment is voided. `failure` is the agent's error, if it had one;
   * a payer who hung up (or whose request was aborted) is recorded as such whatever the agent said.
   */
  async undelivered(failure: string | null, hungUp = false): Promise<ReplyError> {
    const name = this.paid.quote.agent.name;
    const disconnected = hungUp || this.signal.aborted;
    if (this.paid.kind === "tab") await this.chargeTab(0n, null);
    else await this.paid.ledger.markVoided(this.paid.record.id, disconnected ? DISCONNECTED_BEFORE_REPLY : (failure ?? NO_OUTPUT));
    if (disconnected) return { code: "client_disconnected", message: DISCONNECTED_BEFORE_REPLY };
    return {
      code: "agent_failed",
      message: failure === null ? `${name} produced no answer; you were not charged.` : `${name} failed before answering; you were not charged. ${failure}`,
    };
  }

  /**
   * The end of a delivered reply: its usage as soon as the run reports it, then the receipt of its settlement
   * (a transient failure is a pending receipt, to be retried), each handed to `out` as it comes (a stream writes
   * them at once); the usage is recorded last.
   */
  async finish(
    toolCalls: number,
    out?: { usage(usage: UsageReport): void; receipt(receipt: Receipt): void },
  ): Promise<{ usage: UsageReport; receipt: Receipt }> {
    if (!this.started) throw new Error("finish() of a reply that delivered nothing");
    const usage = await this.usage(toolCalls);
    out?.usage(usage);
    const { paid } = this;
    const unpaid = this.everyToolFailed(toolCalls);
    if (paid.kind === "tab") {
      // The tab's charge row carries the usage; no payments row exists for a usage row to point at.
      const receipt = await this.chargeTab(unpaid ? 0n : chargeForReply(paid.quote.agent, usage), usage);
      out?.receipt(receipt);
      return { usage, receipt };
    }
    if (!this.settlement) {
      if (unpaid) {
        const receipt = await this.voidDelivered(paid);
        out?.receipt(receipt);
        // The reply was delivered, so it is kept; not paid for, so it has no usage row.
        const kept = keptReplyOf(paid);
        if (kept !== undefined) void paid.ledger.replies().keep(paid.record.id, kept).catch((err: unknown) => notKept(paid, err));
        return { usage, receipt };
      }
      // No answer began (reasoning alone, or a tool call the payer hung up on), but content was delivered: paid.
      this.startSettlement();
    }
    const receipt = await this.settlement!;
    out?.receipt(receipt);
    // After the receipt, beside the reply's end: nothing the payer gets waits for it.
    void this.recordUsage(paid, usage).catch((err: unknown) => console.error(`[x402] usage of payment ${paid.record.id} (and its kept reply) not recorded: ${describeError(err)}`));
    return { usage, receipt };
  }

  /**
   * The PAYMENT-RESPONSE headers a JSON reply carries: the SDK's settle response on a tab (its extra has the charge
   * and the channel's charged total, which the official client keeps its tab's state by), else the transfer's.
   */
  paymentResponseHeaders(receipt: Receipt): Record<string, string> {
    if (this.paid.kind === "tab") return this.tabResponse ? paymentResponseHeaders(this.tabResponse) : {};
    // A pending settlement has no transaction to report yet: the reply goes out without PAYMENT-RESPONSE.
    if (receipt.pending || !receipt.success) return {};
    // A v1 client reads v1's network name ("base-sepolia") in X-PAYMENT-RESPONSE, as its quote named it.
    const network = this.paid.payment.x402Version === 1 ? (this.paid.quote.network.x402V1Name ?? receipt.network) : receipt.network;
    return paymentResponseHeaders({ success: true, transaction: receipt.transaction, network, payer: receipt.payer } as SettleResponse);
  }

  private async chargeTab(amount: bigint, usage: UsageReport | null): Promise<Receipt> {
    if (this.paid.kind !== "tab") throw new Error("chargeTab() of an exact payment");
    const { receipt, paymentResponse } = await chargeTab(this.paid, amount, usage);
    this.tabResponse = paymentResponse;
    return receipt;
  }

  /** The error a finished reply ends with when its payment failed for good; pending or voided is not an error. */
  static settlementFailure(receipt: Receipt): ReplyError | null {
    if (receipt.success || receipt.pending || receipt.voided) return null;
    return { code: "settlement_failed", message: `Payment settlement failed: ${receipt.error}. The reply was not paid for.` };
  }

  /**
   * Voids an exact payment whose reply was delivered but whose every tool call failed: never settled, so the
   * authorization is never used and the payer's reservation is released. Its receipt says so (`voided`).
   */
  private async voidDelivered(paid: ExactPaidRequest): Promise<Receipt> {
    const base = receiptBase(paid);
    const voided = { ...base, success: false, voided: true, transaction: "", explorerUrl: null, error: EVERY_TOOL_FAILED };
    try {
      const moved = await paid.ledger.markVoided(paid.record.id, EVERY_TOOL_FAILED);
      if (moved.moved) return voided;
      return { ...base, success: false, transaction: "", explorerUrl: null, error: `payment is ${moved.current?.status ?? "missing"}` };
    } catch (err) {
      // Never settled either way: reconciliation voids a row left verified, and nothing else sends it.
      console.error(`[x402] void not recorded: ${describeError(err)}`);
      return voided;
    }
  }

  /** Settles once and records the outcome; a transient failure is reported as pending, to be retried. */
  private async settle(paid: ExactPaidRequest): Promise<Receipt> {
    const { ledger, record, quote, payment } = paid;
    const base = receiptBase(paid);
    try {
      const moved = await ledger.markSettling(record.id);
      if (!moved.moved) {
        return { ...base, success: false, transaction: "", explorerUrl: null, error: `payment is ${moved.current?.status ?? "missing"}` };
      }
      const outcome = await settleAndRecord(paid.server, ledger, record.id, payment.payload, payment.requirements);
      if (outcome.status === "settled") {
        return { ...base, success: true, transaction: outcome.transaction, explorerUrl: explorerTxUrl(quote.network, outcome.transaction) };
      }
      return {
        ...base,
        success: false,
        pending: outcome.status === "pending",
        transaction: outcome.transaction,
        explorerUrl: null,
        error: outcome.reason,
      };
    } catch (err) {
      // The ledger itself failed mid-way: the row is verified or settling with its payload, so reconciliation finishes it.
      return { ...base, success: false, pending: true, transaction: "", explorerUrl: null, error: `ledger unavailable: ${describeError(err)}` };
    }
  }

  private async usage(toolCalls: number): Promise<UsageReport> {
    // A run aborted mid-reply (the payer hung up) may never report its usage: the reply still ends, and is
    // charged, as one that used no tokens (a tab then charges its minimum, or the price of a flat agent), so a
    // tab's reservation is never left to expire.
    const total = await Promise.resolve(this.run.totalUsage).catch(() => null);
    const inputTokens = total?.inputTokens ?? 0;
    const outputTokens = total?.outputTokens ?? 0;
    return {
      model: this.paid.quote.agent.model,
      inputTokens,
      outputTokens,
      totalTokens: total?.totalTokens ?? inputTokens + outputTokens,
      toolCalls,
      latencyMs: Math.round(performance.now() - this.paid.startedAt),
      firstTokenMs: this.firstTokenMs,
    };
  }

  /** The usage of the reply, and the reply itself when it is kept (a stream's), in one statement. */
  private async recordUsage(paid: ExactPaidRequest, usage: UsageReport): Promise<void> {
    const row = {
      paymentId: paid.record.id,
      agentId: this.paid.quote.agent.id,
      model: usage.model,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      toolCalls: usage.toolCalls,
      latencyMs: usage.latencyMs,
      firstTokenMs: usage.firstTokenMs,
      price: paid.payment.requirements.amount,
    };
    const kept = keptReplyOf(paid);
    if (kept === undefined) await paid.ledger.recordUsage(row);
    else await paid.ledger.replies().keep(paid.record.id, kept, row);
  }
}

function notKept(paid: ExactPaidRequest, err: unknown): void {
  console.error(`[x402] reply of payment ${paid.record.id} not kept: ${describeError(err)}`);
}

/** What every exact receipt of this payment says, whatever its outcome. */
function receiptBase({ record, quote, payment }: ExactPaidRequest) {
  return {
    paymentId: record.id,
    network: quote.network.caip2,
    chainId: quote.network.chainId,
    payer: payment.payer,
    payTo: payment.requirements.payTo,
    asset: payment.requirements.asset,
    // The quote's (v2) amount: a v1 payment's requirements name it maxAmountRequired. The authorization moves
    // exactly this (decodePaymentHeader checked it).
    amount: quote.requirements.amount,
    amountDisplay: formatUsdc(quote.requirements.amount, quote.network.usdc.decimals),
  };
}

/** An agent's error in words, for the payer. */
export function describeAgentError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : "unknown error";
}
