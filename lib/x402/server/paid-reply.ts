import "server-only";
import { runAgent } from "@/lib/agents/engine";
import { explorerTxUrl } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { describeError, type WireError } from "@/lib/errors";
import type { Receipt, UsageReport } from "@/lib/x402/shared/receipt";
import type { PaidRequest } from "./gate";
import { settleAndRecord } from "./settlement";

/** Why a payment was voided when the payer hung up: recorded in the ledger, as reconciliation words it too. */
export const DISCONNECTED_BEFORE_REPLY = "the client disconnected before the reply; not charged";

const NO_OUTPUT = "the agent produced no output";

/** A failure the payer is told about: a reply that was not delivered, or one whose payment did not settle. */
export interface ReplyError extends WireError {
  code: "agent_failed" | "client_disconnected" | "settlement_failed";
}

/**
 * One paid reply and the rule it is charged by: only what was delivered is paid for. The first content on its way
 * to the payer starts settlement; a reply that ends before any (the agent failed, said nothing, or the payer hung
 * up) is voided, never settled; the finish of a delivered reply gives its usage and receipt. The stream and JSON
 * adapters only say when content goes out and how the reply ended.
 */
export class PaidReply {
  /** The agent's run, started at once with the payer's signal: a hang-up aborts it. */
  readonly run: ReturnType<typeof runAgent>;
  private settlement: Promise<Receipt> | null = null;
  private firstTokenMs: number | null = null;

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

  /** Content is on its way to the payer: from here the reply is paid for. */
  delivering(): void {
    if (this.settlement) return;
    this.produced();
    // Beside the reply, and only once this first content is on its way: settling costs CPU (ledger, signing the
    // transaction) that the first token must not wait for.
    this.settlement = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.settle());
  }

  /** Whether content has gone out, so the reply is being paid for. */
  get delivered(): boolean {
    return this.settlement !== null;
  }

  /**
   * The reply ends with nothing delivered: the payment is voided. `failure` is the agent's error, if it had one;
   * a payer who hung up (or whose request was aborted) is recorded as such whatever the agent said.
   */
  async undelivered(failure: string | null, hungUp = false): Promise<ReplyError> {
    const name = this.paid.quote.agent.name;
    if (hungUp || this.signal.aborted) {
      await this.paid.ledger.markVoided(this.paid.record.id, DISCONNECTED_BEFORE_REPLY);
      return { code: "client_disconnected", message: DISCONNECTED_BEFORE_REPLY };
    }
    await this.paid.ledger.markVoided(this.paid.record.id, failure ?? NO_OUTPUT);
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
    if (!this.settlement) throw new Error("finish() of a reply that delivered nothing");
    const usage = await this.usage(toolCalls);
    out?.usage(usage);
    const receipt = await this.settlement;
    out?.receipt(receipt);
    await this.recordUsage(usage).catch((err) => console.error(`[x402] usage not recorded: ${(err as Error).message}`));
    return { usage, receipt };
  }

  /** The error a finished reply ends with when its payment failed for good; pending is not an error. */
  static settlementFailure(receipt: Receipt): ReplyError | null {
    if (receipt.success || receipt.pending) return null;
    return { code: "settlement_failed", message: `Payment settlement failed: ${receipt.error}. The reply was not paid for.` };
  }

  /** Settles once and records the outcome; a transient failure is reported as pending, to be retried. */
  private async settle(): Promise<Receipt> {
    const { ledger, record, quote, payment } = this.paid;
    const base = {
      paymentId: record.id,
      network: quote.network.caip2,
      chainId: quote.network.chainId,
      payer: payment.payer,
      payTo: payment.requirements.payTo,
      asset: payment.requirements.asset,
      amount: payment.requirements.amount,
      amountDisplay: formatUsdc(payment.requirements.amount, quote.network.usdc.decimals),
    };
    try {
      const moved = await ledger.markSettling(record.id);
      if (!moved.moved) {
        return { ...base, success: false, transaction: "", explorerUrl: null, error: `payment is ${moved.current?.status ?? "missing"}` };
      }
      const outcome = await settleAndRecord(this.paid.server, ledger, record.id, payment.payload, payment.requirements);
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
    const total = await this.run.totalUsage;
    const inputTokens = total.inputTokens ?? 0;
    const outputTokens = total.outputTokens ?? 0;
    return {
      model: this.paid.quote.agent.model,
      inputTokens,
      outputTokens,
      totalTokens: total.totalTokens ?? inputTokens + outputTokens,
      toolCalls,
      latencyMs: Math.round(performance.now() - this.paid.startedAt),
      firstTokenMs: this.firstTokenMs,
    };
  }

  private async recordUsage(usage: UsageReport): Promise<void> {
    await this.paid.ledger.recordUsage({
      paymentId: this.paid.record.id,
      agentId: this.paid.quote.agent.id,
      model: usage.model,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      toolCalls: usage.toolCalls,
      latencyMs: usage.latencyMs,
      firstTokenMs: usage.firstTokenMs,
      price: this.paid.payment.requirements.amount,
    });
  }
}

/** An agent's error in words, for the payer. */
export function describeAgentError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : "unknown error";
}
