import "server-only";
import { encodePaymentResponseHeader } from "@x402/core/http";
import type { x402ResourceServer } from "@x402/core/server";
import type { SettleResponse } from "@x402/core/types";
import { createUIMessageStream, createUIMessageStreamResponse, type ModelMessage, type UIMessageChunk } from "ai";
import { erc20Abi, formatUnits, type Address } from "viem";
import { runAgent } from "@/lib/agents/engine";
import { agentStatus, getAgent, type AgentConfig } from "@/lib/agents/registry";
import { ChatRequestSchema, toModelMessages, type ChatRequest } from "@/lib/agents/request";
import { explorerTxUrl } from "@/lib/chains/networks";
import { publicClientOf } from "@/lib/chains/rpc";
import { describeError } from "@/lib/agents/tools/errors";
import { readJsonBody } from "@/lib/http/body";
import { formatZodError, jsonError } from "@/lib/http/json";
import { getLedger, type ClaimResult, type Ledger, type Payment, type PayerBalance } from "@/lib/ledger";
import type { Receipt, UsageReport } from "@/lib/x402/shared/receipt";
import { corsHeaders } from "./cors";
import { paymentRequiredResponse, quoteForAgent, type AgentQuote } from "./quote";
import { decodePaymentHeader, readPaymentHeader, verifyDecodedPayment, type VerifiedPayment } from "./payment";
import { settleAndRecord } from "./settlement";
import { getResourceServer } from "./resource-server";

/**
 * POST /api/x402/:agentId/chat. In order: the agent exists and can answer, the
 * body is valid (both before any payment); no proof → 402 with the quote; the
 * proof is verified by the facilitator and claimed once in the ledger; then the
 * agent streams at once while settlement runs beside it, starting with the
 * agent's first output (an agent that fails before answering is not charged).
 * The receipt ends the stream as a `data-receipt` part.
 */

/** The shared JSON error, with the CORS headers cross-origin paying clients need to read it. */
function errorJson(status: number, code: string, message: string, extra?: Record<string, unknown>): Response {
  return jsonError(status, code, message, extra, corsHeaders);
}

export async function handlePaidAgentChat(req: Request, agentId: string): Promise<Response> {
  let agent: AgentConfig | undefined;
  try {
    agent = getAgent(agentId);
  } catch (err) {
    return errorJson(500, "agents_config_invalid", (err as Error).message);
  }
  if (!agent) return errorJson(404, "unknown_agent", `No agent with id ${agentId}. GET /api/agents lists them.`);
  const status = agentStatus(agent);
  if (!status.available) {
    return errorJson(503, "agent_unavailable", `${agent.name} cannot answer right now: ${status.reason}`);
  }

  const request = await readChatRequest(req);
  if ("error" in request) return request.error;

  let server: x402ResourceServer;
  let quote: AgentQuote;
  try {
    server = await getResourceServer();
    quote = await quoteForAgent(server, agent, resourceUrlOf(req));
  } catch (err) {
    return errorJson(503, "facilitator_unavailable", `Payments are unavailable: ${(err as Error).message}`);
  }

  const header = readPaymentHeader(req);
  if (!header) {
    return paymentRequiredResponse(server, quote, "payment_required", `${agent.name} costs ${agent.price} USDC per message on ${quote.network.name}.`);
  }
  let ledger: Ledger;
  try {
    ledger = await getLedger();
  } catch (err) {
    return errorJson(503, "ledger_unavailable", `Payments are unavailable: ${describeError(err)}`);
  }
  const decoded = decodePaymentHeader(quote, header);
  if (!decoded.ok) return paymentRequiredResponse(server, quote, decoded.error, decoded.message);
  // The balance is read beside verification, so the reservation below costs no extra round trip.
  const [check, funds] = await Promise.all([
    verifyDecodedPayment(server, quote, decoded.payment, (key) => ledger.findPaymentByNonce(key)),
    readPayerBalance(quote, decoded.payment.authorization.from),
  ]);
  if (!check.ok) {
    return check.status === 402
      ? paymentRequiredResponse(server, quote, check.error, check.message)
      : errorJson(check.status, check.error, check.message);
  }
  if (funds instanceof Error) {
    return errorJson(503, "chain_unreachable", `Payments are unavailable: ${quote.network.name} could not be read (${describeError(funds)}).`);
  }
  const payment = check.payment;

  const claim = await claimVerified(ledger, agent, quote, payment, funds);
  if ("error" in claim) return claim.error;
  if ("insufficient" in claim) {
    const usdc = (atomic: string) => `${formatUnits(BigInt(atomic), quote.network.usdc.decimals)} USDC`;
    return paymentRequiredResponse(
      server,
      quote,
      "insufficient_funds",
      `Your balance of ${usdc(claim.insufficient.balance)}, less ${usdc(claim.insufficient.reserved)} in payments still settling, does not cover this message (${usdc(quote.requirements.amount)}).`,
    );
  }
  if (!claim.claimed) {
    return errorJson(409, "payment_already_used", "This payment authorization was already used; sign a new one.", {
      paymentId: claim.existing.id,
      status: claim.existing.status,
    });
  }

  const ctx: PaidReplyContext = { server, ledger, quote, payment, record: claim.payment, request, startedAt: performance.now() };
  const wantsJson = (req.headers.get("accept") ?? "").includes("application/json");
  return wantsJson ? replyAsJson(ctx, req.signal) : replyAsStream(ctx, req.signal);
}

/** The token balance of the authorization's signer, which the transfer debits; an RPC failure is returned, not thrown. */
async function readPayerBalance(quote: AgentQuote, payer: string): Promise<PayerBalance | Error> {
  const readAt = new Date();
  try {
    const balance = await publicClientOf(quote.network).readContract({
      address: quote.requirements.asset as Address,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [payer as Address],
    });
    return { balance, readAt };
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Records the verified payment once, with what settling it later needs, as a reservation against the payer's
 * balance (so concurrent proofs cannot be served beyond it); a database that is down is a 503.
 */
async function claimVerified(
  ledger: Ledger,
  agent: AgentConfig,
  quote: AgentQuote,
  payment: VerifiedPayment,
  funds: PayerBalance,
): Promise<ClaimResult | { error: Response }> {
  try {
    return await ledger.claimPayment({
      agentId: agent.id,
      payer: payment.payer,
      payTo: payment.requirements.payTo,
      asset: payment.requirements.asset,
      network: quote.network.caip2,
      amount: payment.authorization.value.toString(),
      nonce: payment.authorization.nonce,
      validBefore: payment.authorization.validBefore.toString(),
      x402Version: payment.x402Version,
      resource: quote.resource.url,
      paymentPayload: JSON.stringify(payment.payload),
      paymentRequirements: JSON.stringify(payment.requirements),
    }, funds);
  } catch (err) {
    return { error: errorJson(503, "ledger_unavailable", `The payment could not be recorded: ${describeError(err)}`) };
  }
}

/** 100 messages of 16k characters fit, with room for UI message parts. */
const MAX_CHAT_BODY_BYTES = 2_000_000;

interface ParsedChatRequest {
  body: ChatRequest;
  messages: ModelMessage[];
}

async function readChatRequest(req: Request): Promise<ParsedChatRequest | { error: Response }> {
  const json = await readJsonBody(req, MAX_CHAT_BODY_BYTES);
  if (!json.ok) {
    const code = json.status === 413 ? "body_too_large" : "invalid_json";
    return { error: errorJson(json.status, code, `${json.message} Send JSON: {messages:[{role, content}], selectedToolkits?}.`) };
  }
  const parsed = ChatRequestSchema.safeParse(json.value);
  if (!parsed.success) return { error: errorJson(400, "invalid_request", formatZodError(parsed.error)) };
  try {
    return { body: parsed.data, messages: await toModelMessages(parsed.data.messages) };
  } catch (err) {
    return { error: errorJson(400, "invalid_messages", (err as Error).message) };
  }
}

/**
 * The URL clients pay for: this route as the client addressed it, without the query string. The Host header
 * is the client's; X-Forwarded-Host/-Proto only when TRUST_PROXY says a proxy in front of us sets them (from
 * anyone else they are just text). Whatever is used must make an http(s) origin, or the request's own URL stands.
 */
function resourceUrlOf(req: Request): string {
  const url = new URL(req.url);
  const trustProxy = /^(1|true|yes)$/i.test(process.env.TRUST_PROXY?.trim() ?? "");
  const forwarded = (name: string) => (trustProxy ? req.headers.get(name)?.split(",")[0]?.trim() : undefined);
  const host = forwarded("x-forwarded-host") ?? req.headers.get("host") ?? url.host;
  const proto = forwarded("x-forwarded-proto") ?? url.protocol.replace(":", "");
  return `${httpOrigin(proto, host) ?? url.origin}${url.pathname}`;
}

/** `proto://host` when that is a plain http(s) origin (no path, credentials or other scheme), else null. */
function httpOrigin(proto: string, host: string): string | null {
  if (proto !== "http" && proto !== "https") return null;
  try {
    const origin = new URL(`${proto}://${host}`);
    const bare = origin.pathname === "/" && !origin.search && !origin.hash && !origin.username && !origin.password;
    return bare && !host.includes("/") ? origin.origin : null;
  } catch {
    return null;
  }
}

interface PaidReplyContext {
  server: x402ResourceServer;
  ledger: Ledger;
  quote: AgentQuote;
  payment: VerifiedPayment;
  record: Payment;
  request: ParsedChatRequest;
  startedAt: number;
}

function startAgent(ctx: PaidReplyContext, signal: AbortSignal) {
  return runAgent({
    agent: ctx.quote.agent,
    messages: ctx.request.messages,
    selectedToolkits: ctx.request.body.selectedToolkits,
    abortSignal: signal,
  });
}

/** Settles once and records the outcome; a transient failure is reported as pending, to be retried. */
async function settle(ctx: PaidReplyContext): Promise<Receipt> {
  const { ledger, record, quote, payment } = ctx;
  const base = {
    paymentId: record.id,
    network: quote.network.caip2,
    chainId: quote.network.chainId,
    payer: payment.payer,
    payTo: payment.requirements.payTo,
    asset: payment.requirements.asset,
    amount: payment.requirements.amount,
    amountDisplay: `${formatUnits(BigInt(payment.requirements.amount), quote.network.usdc.decimals)} USDC`,
  };
  try {
    const moved = await ledger.markSettling(record.id);
    if (!moved.moved) {
      return { ...base, success: false, transaction: "", explorerUrl: null, error: `payment is ${moved.current?.status ?? "missing"}` };
    }
    const outcome = await settleAndRecord(ctx.server, ledger, record.id, payment.payload, payment.requirements);
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

async function recordUsage(ctx: PaidReplyContext, usage: UsageReport): Promise<void> {
  await ctx.ledger.recordUsage({
    paymentId: ctx.record.id,
    agentId: ctx.quote.agent.id,
    model: usage.model,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    toolCalls: usage.toolCalls,
    latencyMs: usage.latencyMs,
    firstTokenMs: usage.firstTokenMs,
    price: ctx.payment.requirements.amount,
  });
}

/** Chunks that only frame a reply, without content: seeing them does not mean the agent has answered anything yet. */
const FRAMING = new Set<UIMessageChunk["type"]>(["start", "start-step", "finish-step", "message-metadata", "text-start", "reasoning-start"]);

/** Why a payment was voided when the payer hung up: recorded in the ledger, as reconciliation words it too. */
export const DISCONNECTED_BEFORE_REPLY = "the client disconnected before the reply; not charged";

function replyAsStream(ctx: PaidReplyContext, signal: AbortSignal): Response {
  const stream = createUIMessageStream({
    execute: async ({ writer }) => {
      const result = startAgent(ctx, signal);
      let settlement: Promise<Receipt> | undefined;
      let firstTokenMs: number | null = null;
      let toolCalls = 0;
      let finish: UIMessageChunk | undefined;

      for await (const chunk of result.toUIMessageStream({ sendReasoning: true, onError: describeAgentError })) {
        if (!settlement && !FRAMING.has(chunk.type)) {
          // Nothing reached the payer: the request was aborted (the agent then ends with an abort chunk).
          if (signal.aborted || chunk.type === "abort") {
            await ctx.ledger.markVoided(ctx.record.id, DISCONNECTED_BEFORE_REPLY);
            return;
          }
          if (chunk.type === "error") {
            await ctx.ledger.markVoided(ctx.record.id, chunk.errorText);
            writer.write({
              type: "error",
              errorText: `${ctx.quote.agent.name} failed before answering; you were not charged. ${chunk.errorText}`,
            });
            return;
          }
          firstTokenMs = Math.round(performance.now() - ctx.startedAt);
          // Beside the stream, and only once this first token is on its way: settling costs CPU
          // (ledger, signing the transaction) that the first token must not wait for.
          settlement = new Promise<void>((resolve) => setImmediate(resolve)).then(() => settle(ctx));
        }
        if (chunk.type === "tool-input-available") toolCalls += 1;
        // The receipt goes before the reply's finish, so the client sees it as part of this message.
        if (chunk.type === "finish") finish = chunk;
        else writer.write(chunk);
      }
      if (!settlement) {
        await ctx.ledger.markVoided(ctx.record.id, signal.aborted ? DISCONNECTED_BEFORE_REPLY : "the agent produced no output");
        writer.write({ type: "error", errorText: `${ctx.quote.agent.name} produced no answer; you were not charged.` });
        return;
      }

      const usage = await usageOf(result, ctx, toolCalls, firstTokenMs);
      writer.write({ type: "data-usage", data: usage });
      const receipt = await settlement;
      writer.write({ type: "data-receipt", data: receipt });
      // Pending is not an error: the reply was delivered and its payment will be settled by a retry.
      if (!receipt.success && !receipt.pending) {
        writer.write({ type: "error", errorText: `Payment settlement failed: ${receipt.error}. The reply was not paid for.` });
      }
      await recordUsage(ctx, usage).catch((err) => console.error(`[x402] usage not recorded: ${(err as Error).message}`));
      if (finish) writer.write(finish);
    },
    onError: describeAgentError,
  });
  return createUIMessageStreamResponse({ stream, headers: { ...corsHeaders, "Cache-Control": "no-store" } });
}

async function replyAsJson(ctx: PaidReplyContext, signal: AbortSignal): Promise<Response> {
  const result = startAgent(ctx, signal);
  let text = "";
  let reasoning = "";
  const toolCalls: Array<{ toolCallId: string; toolName: string; input: unknown; output?: unknown; error?: string }> = [];
  let firstTokenMs: number | null = null;
  let failure: string | null = null;

  for await (const part of result.fullStream) {
    if (part.type === "error") {
      failure = describeAgentError(part.error);
      break;
    }
    if (firstTokenMs === null && (part.type === "text-delta" || part.type === "reasoning-delta" || part.type === "tool-call")) {
      firstTokenMs = Math.round(performance.now() - ctx.startedAt);
    }
    if (part.type === "text-delta") text += part.text;
    else if (part.type === "reasoning-delta") reasoning += part.text;
    else if (part.type === "tool-call") toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
    else if (part.type === "tool-result") {
      const call = toolCalls.find((c) => c.toolCallId === part.toolCallId);
      if (call) call.output = part.output;
    } else if (part.type === "tool-error") {
      const call = toolCalls.find((c) => c.toolCallId === part.toolCallId);
      if (call) call.error = describeAgentError(part.error);
    }
  }
  // A JSON reply is delivered whole: a payer who hung up before it was ready gets nothing, so pays nothing.
  if (signal.aborted) {
    await ctx.ledger.markVoided(ctx.record.id, DISCONNECTED_BEFORE_REPLY);
    return errorJson(499, "client_disconnected", DISCONNECTED_BEFORE_REPLY);
  }
  // Any failure means nothing was delivered, so nothing is charged.
  if (failure !== null || (text === "" && toolCalls.length === 0)) {
    const reason = failure ?? "the agent produced no output";
    await ctx.ledger.markVoided(ctx.record.id, reason);
    return errorJson(502, "agent_failed", `${ctx.quote.agent.name} failed; you were not charged. ${reason}`);
  }

  const usage = await usageOf(result, ctx, toolCalls.length, firstTokenMs);
  const receipt = await settle(ctx);
  await recordUsage(ctx, usage).catch((err) => console.error(`[x402] usage not recorded: ${(err as Error).message}`));
  if (!receipt.success && !receipt.pending) {
    return errorJson(402, "settlement_failed", `Payment settlement failed: ${receipt.error}`, { payment: receipt });
  }
  const body = {
    messages: [{ role: "assistant", content: text }],
    reasoning,
    toolCalls,
    usage,
    payment: receipt,
  };
  // A pending settlement has no transaction to report yet: the reply goes out without PAYMENT-RESPONSE.
  if (receipt.pending) return Response.json(body, { headers: { ...corsHeaders, "Cache-Control": "no-store" } });
  const paymentResponse = encodePaymentResponseHeader({
    success: true,
    transaction: receipt.transaction,
    network: receipt.network,
    payer: receipt.payer,
  } as SettleResponse);
  return Response.json(body, {
    headers: { ...corsHeaders, "PAYMENT-RESPONSE": paymentResponse, "X-PAYMENT-RESPONSE": paymentResponse, "Cache-Control": "no-store" },
  });
}

async function usageOf(
  result: ReturnType<typeof runAgent>,
  ctx: PaidReplyContext,
  toolCalls: number,
  firstTokenMs: number | null,
): Promise<UsageReport> {
  const total = await result.totalUsage;
  const inputTokens = total.inputTokens ?? 0;
  const outputTokens = total.outputTokens ?? 0;
  return {
    model: ctx.quote.agent.model,
    inputTokens,
    outputTokens,
    totalTokens: total.totalTokens ?? inputTokens + outputTokens,
    toolCalls,
    latencyMs: Math.round(performance.now() - ctx.startedAt),
    firstTokenMs,
  };
}

function describeAgentError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : "unknown error";
}
