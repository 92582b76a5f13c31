import "server-only";
import { randomUUID } from "node:crypto";
import type { x402ResourceServer } from "@x402/core/server";
import { decodePaymentSignatureHeader, encodePaymentResponseHeader } from "@x402/core/http";
import { PaymentPayloadV2Schema } from "@x402/core/schemas";
import { SettleError, type PaymentPayload, type PaymentRequirements, type SettleResponse, type VerifyResponse } from "@x402/core/types";
import { isBatchSettlementDepositPayload, isBatchSettlementRefundPayload, isBatchSettlementVoucherPayload } from "@x402/evm";
import { explorerTxUrl } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { describeError } from "@/lib/errors";
import { formatZodError, jsonError } from "@/lib/http/json";
import type { Ledger, TabLedger } from "@/lib/ledger";
import type { PendingCharge } from "@/lib/ledger/tabs";
import type { Receipt, TabReceipt, UsageReport } from "@/lib/x402/shared/receipt";
import { corsHeaders, paidRouteError } from "./cors";
import { describeMismatch } from "./payment";
import { paymentRequiredResponse, TAB_SCHEME, type AgentQuote } from "./quote";
import { verifyOnKnownState } from "./resource-server";

/**
 * Tabs (x402 `batch-settlement`) on the paid route: a proof is a deposit (first message or top-up: an EIP-3009
 * authorization into the channel, plus a voucher), a voucher (a signed cumulative ceiling, the one check being a
 * local signature check while the channel's on-chain state is fresh), or a cooperative refund. The SDK's server
 * scheme does the work in its hooks (channel state in the ledger, one pending request per channel); this file
 * decodes, maps its refusals to answers, settles a reply's charge and records what happened.
 */

/** The SDK's error reasons this file answers differently (its constants are not exported). */
export const TAB_ERRORS = {
  cumulativeMismatch: "invalid_batch_settlement_evm_cumulative_amount_mismatch",
  busy: "invalid_batch_settlement_evm_channel_busy",
  stateUnavailable: "invalid_batch_settlement_evm_verification_state_unavailable",
} as const;

export type TabPayloadType = "deposit" | "voucher" | "refund";

/** A tab proof that passed the local checks: its payload object is the one the SDK's hooks key their state by. */
export interface TabProof {
  payload: PaymentPayload;
  requirements: PaymentRequirements;
  type: TabPayloadType;
  channelId: string;
  payer: string;
}

/** A verified tab proof, reserved on its channel (the SDK's pending request) until its charge is settled. */
export interface VerifiedTab extends TabProof {
  /** Set for refunds: the SDK's directive to answer without running the agent. */
  skipHandler: boolean;
}

type Refusal = { ok: false; response: () => Promise<Response> };

/**
 * The decoded payload of a v2 proof for a tab, or null when the proof is not for a tab (the exact path reads it
 * then). The gate decodes once and hands the payload to isTabRefund and tabProofOf.
 */
export function decodeTabHeader(header: { x402Version: 1 | 2; value: string }): PaymentPayload | null {
  if (header.x402Version !== 2) return null;
  let payload: PaymentPayload;
  try {
    payload = decodePaymentSignatureHeader(header.value);
  } catch {
    return null;
  }
  // The header is the client's: any JSON at all (`null`, a number) decodes, so nothing is assumed of its shape.
  return (payload as { accepted?: { scheme?: unknown } } | null)?.accepted?.scheme === TAB_SCHEME ? payload : null;
}

/** Checks a tab's decoded payload (decodeTabHeader) against the quote: a proof, or a refusal to answer with. */
export function tabProofOf(quote: AgentQuote, server: x402ResourceServer, payload: PaymentPayload): { ok: true; proof: TabProof } | Refusal {
  const refuse = (error: string, message: string): Refusal => ({
    ok: false,
    response: () => paymentRequiredResponse(server, quote, error, message),
  });
  const envelope = PaymentPayloadV2Schema.safeParse(payload);
  if (!envelope.success) return refuse("invalid_payment_header", `PAYMENT-SIGNATURE must carry an x402 version 2 payload: ${formatZodError(envelope.error)}.`);
  if (!quote.tab) return refuse("payment_mismatch", `${quote.agent.name} does not offer a tab on ${quote.network.name}; pay with "exact".`);
  const mismatch = describeMismatch(quote.tab, envelope.data.accepted);
  if (mismatch) return refuse("payment_mismatch", mismatch);
  const raw = payload.payload;
  const type: TabPayloadType | null = isBatchSettlementDepositPayload(raw)
    ? "deposit"
    : isBatchSettlementVoucherPayload(raw)
      ? "voucher"
      : isBatchSettlementRefundPayload(raw)
        ? "refund"
        : null;
  if (!type) return refuse("invalid_payment_payload", "A tab payment is a deposit, a voucher or a refund, with a channel config and a signed voucher.");
  const { channelConfig, voucher } = raw as { channelConfig: { payer: string }; voucher: { channelId: string } };
  return {
    ok: true,
    proof: { payload, requirements: quote.tab, type, channelId: voucher.channelId.toLowerCase(), payer: channelConfig.payer.toLowerCase() },
  };
}

/** Whether a tab's decoded payload is a cooperative refund (it carries no chat to read); checked again by tabProofOf. */
export function isTabRefund(payload: PaymentPayload | null): boolean {
  return payload !== null && isBatchSettlementRefundPayload(payload.payload);
}

/**
 * Verifies a tab proof through the SDK (its hooks reserve the channel for this request). Refusals: a voucher whose
 * base is not the channel's charged total is a corrective 402 carrying the channel's state and the payer's last
 * signed voucher (the client checks that signature, resyncs and retries); a channel already serving a request is a
 * 409 `tab_busy`; other refusals are 402s with the quote and the SDK's reason.
 */
export async function verifyTab(server: x402ResourceServer, quote: AgentQuote, proof: TabProof): Promise<{ ok: true; tab: VerifiedTab } | { ok: false; response: Response }> {
  let verdict: VerifyResponse & { skipHandler?: unknown };
  try {
    verdict = await verifyOnKnownState(() => server.verifyPayment(proof.payload, proof.requirements));
  } catch (err) {
    return { ok: false, response: paidRouteError(503, "facilitator_unavailable", `The tab payment could not be verified: ${describeError(err)}`) };
  }
  if (verdict.isValid) return { ok: true, tab: { ...proof, skipHandler: Boolean(verdict.skipHandler) } };
  const reason = verdict.invalidReason ?? "invalid_payment";
  const detail = verdict.invalidMessage ?? reason;
  if (reason === TAB_ERRORS.busy) {
    return { ok: false, response: paidRouteError(409, "tab_busy", "This tab is serving another message; send one message at a time per tab, or retry.") };
  }
  if (reason === TAB_ERRORS.stateUnavailable) {
    return { ok: false, response: paidRouteError(503, "ledger_unavailable", "The tab's state could not be read or reserved; retry.") };
  }
  if (reason === TAB_ERRORS.cumulativeMismatch) {
    return {
      ok: false,
      response: await paymentRequiredResponse(
        server,
        quote,
        reason,
        "The voucher does not build on this tab's charged total; its state is in the offer (channelState, voucherState): re-sign from it.",
        proof.payload,
      ),
    };
  }
  return { ok: false, response: await paymentRequiredResponse(server, quote, reason, `The tab payment was refused: ${detail}.`) };
}

/** What settling a tab's charge gives: the SDK's settle response (for PAYMENT-RESPONSE) and our receipt. */
export interface TabSettlement {
  receipt: Receipt;
  /** Null when settlement threw before the SDK answered. */
  paymentResponse: SettleResponse | null;
}

interface ChargeContext {
  server: x402ResourceServer;
  ledger: Ledger;
  quote: AgentQuote;
  tab: VerifiedTab;
}

/**
 * Charges a reply on its tab: `amount` (atomic, ≤ the voucher's per-message maximum; 0 for a reply that delivered
 * nothing) through the SDK's settle with that override. A voucher commits locally (no chain); a deposit is sent on
 * chain by the facilitator and charged the same way. Either way the reservation clears. Then the ledger records
 * the deposit and the charge (with the usage), after the reply, never before its first token.
 */
export async function chargeTab(ctx: ChargeContext, amount: bigint, usage: UsageReport | null): Promise<TabSettlement> {
  const { server, ledger, quote, tab } = ctx;
  const base = receiptBase(quote, tab, amount);
  const tabs = ledger.tabs(quote.network.caip2);
  // A voucher's charge commits in the SDK's settle hook, through the ledger's channel update: that one statement
  // also inserts the charge's history row (so the two never part), whose id is made here for the receipt. A
  // deposit's rows are written after its settlement, the deposit's first, as the history reads them.
  const charge: PendingCharge = {
    id: randomUUID(),
    channelId: tab.channelId,
    amount,
    agentId: quote.agent.id,
    payer: tab.payer,
    inputTokens: usage?.inputTokens ?? null,
    outputTokens: usage?.outputTokens ?? null,
  };
  let result: SettleResponse;
  try {
    const settle = () => server.settlePayment(tab.payload, tab.requirements, undefined, undefined, { amount: amount.toString() });
    result = await (tab.type === "voucher" ? tabs.chargingWith(charge, settle) : settle());
  } catch (err) {
    const error = err instanceof SettleError ? [err.errorReason, err.errorMessage].filter(Boolean).join(": ") : describeError(err);
    return { receipt: { ...base, success: false, transaction: "", explorerUrl: null, error }, paymentResponse: null };
  }
  if (!result.success) {
    const error = [result.errorReason, result.errorMessage].filter(Boolean).join(": ") || "settlement failed";
    return { receipt: { ...base, success: false, transaction: result.transaction ?? "", explorerUrl: null, error }, paymentResponse: result };
  }
  // A voucher's settle response carries the channel's state after the charge; the ledger is read only for what
  // it lacks (a deposit's balance).
  const reported = channelStateOf(result);
  const channel = reported.balance === undefined ? await tabs.get(tab.channelId).catch(() => undefined) : undefined;
  const depositTransaction = tab.type === "deposit" ? result.transaction : undefined;
  const cumulative = reported.chargedCumulativeAmount ?? channel?.chargedCumulativeAmount ?? "0";
  const balance = reported.balance ?? channel?.balance ?? "0";
  const receipt: Receipt = {
    ...base,
    success: true,
    // Nothing went on chain for a voucher: the charge is claimed later, with other tabs', by the claimer.
    transaction: result.transaction ?? "",
    explorerUrl: result.transaction ? explorerTxUrl(quote.network, result.transaction) : null,
    tab: {
      channelId: tab.channelId,
      chargedAmount: amount.toString(),
      chargedCumulativeAmount: cumulative,
      balance,
      maxAmount: tab.requirements.amount,
      ...(depositTransaction ? { depositTransaction } : {}),
    },
  };
  receipt.paymentId = charge.written ? charge.id : await recordCharge(tabs, ctx, charge, receipt.tab!, result, usage);
  return { receipt, paymentResponse: result };
}

/** The channel's charged total and balance after this charge, as far as the SDK reports them to the client. */
function channelStateOf(result: SettleResponse): { chargedCumulativeAmount?: string; balance?: string } {
  const state = (result.extra as { channelState?: { chargedCumulativeAmount?: unknown; balance?: unknown } } | undefined)?.channelState;
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  return { chargedCumulativeAmount: text(state?.chargedCumulativeAmount), balance: text(state?.balance) };
}

function receiptBase(quote: AgentQuote, tab: TabProof, amount: bigint) {
  return {
    paymentId: "",
    network: quote.network.caip2,
    chainId: quote.network.chainId,
    payer: tab.payer,
    payTo: tab.requirements.payTo,
    asset: tab.requirements.asset,
    amount: amount.toString(),
    amountDisplay: formatUsdc(amount, quote.network.usdc.decimals),
  };
}

/** A deposit and its charge, one tab_events row each; the charge's id is the receipt's paymentId. */
async function recordCharge(
  tabs: TabLedger,
  { quote, tab }: ChargeContext,
  { id }: PendingCharge,
  state: TabReceipt,
  result: SettleResponse,
  usage: UsageReport | null,
): Promise<string> {
  try {
    if (state.depositTransaction) {
      const deposited = (tab.payload.payload as { deposit: { amount: string } }).deposit.amount;
      await tabs.recordEvent({ channelId: tab.channelId, kind: "deposit", amount: deposited, txHash: result.transaction, payer: tab.payer, agentId: quote.agent.id });
    }
    const charge = await tabs.recordEvent({
      id,
      channelId: tab.channelId,
      kind: "charge",
      amount: state.chargedAmount,
      cumulative: state.chargedCumulativeAmount,
      payer: tab.payer,
      agentId: quote.agent.id,
      inputTokens: usage?.inputTokens ?? null,
      outputTokens: usage?.outputTokens ?? null,
    });
    return charge.id;
  } catch (err) {
    // The charge stands in the channel's state (what the claimer claims); only its record is missing.
    console.error(`[x402] tab charge not recorded: ${describeError(err)}`);
    return "";
  }
}

/**
 * A cooperative refund (the SDK's after-verify asked to skip the agent): the facilitator claims what was charged
 * and returns the rest of the deposit to the payer, in one transaction. The answer is JSON with PAYMENT-RESPONSE
 * (its `amount` is what was refunded), or a 402 carrying the failed settlement.
 */
export async function serveTabRefund(ctx: Omit<ChargeContext, "tab"> & { tab: VerifiedTab }): Promise<Response> {
  const { server, ledger, quote, tab } = ctx;
  let result: SettleResponse;
  try {
    result = await server.settlePayment(tab.payload, tab.requirements);
  } catch (err) {
    result =
      err instanceof SettleError
        ? { success: false, errorReason: err.errorReason, errorMessage: err.errorMessage, transaction: err.transaction ?? "", network: tab.requirements.network }
        : { success: false, errorReason: "settle_failed", errorMessage: describeError(err), transaction: "", network: tab.requirements.network };
  }
  const headers = { ...corsHeaders, ...paymentResponseHeaders(result), "Cache-Control": "no-store" };
  if (!result.success) {
    const why = [result.errorReason, result.errorMessage].filter(Boolean).join(": ") || "unknown";
    return jsonError(402, "settlement_failed", `The refund failed: ${why}.`, undefined, headers);
  }
  const refunded = result.amount ?? "0";
  await ledger
    .tabs(quote.network.caip2)
    .recordEvent({ channelId: tab.channelId, kind: "refund", amount: refunded || "0", txHash: result.transaction, payer: tab.payer, agentId: quote.agent.id })
    .catch((err) => console.error(`[x402] tab refund not recorded: ${describeError(err)}`));
  return Response.json(
    {
      message: "Refund acknowledged",
      channelId: tab.channelId,
      refundedAmount: refunded,
      refundTransaction: result.transaction,
      explorerUrl: result.transaction ? explorerTxUrl(quote.network, result.transaction) : null,
    },
    { headers },
  );
}

/** PAYMENT-RESPONSE (and v1's X-PAYMENT-RESPONSE) headers for a settle response. */
export function paymentResponseHeaders(result: SettleResponse): Record<string, string> {
  const header = encodePaymentResponseHeader(result);
  return { "PAYMENT-RESPONSE": header, "X-PAYMENT-RESPONSE": header };
}
