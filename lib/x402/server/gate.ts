import "server-only";
import type { x402ResourceServer } from "@x402/core/server";
import type { ModelMessage } from "ai";
import { erc20Abi, type Address } from "viem";
import { agentStatus, getAgent, type AgentConfig } from "@/lib/agents/registry";
import { ChatRequestSchema, toModelMessages, type ChatRequest } from "@/lib/agents/request";
import { publicClientOf } from "@/lib/chains/rpc";
import { formatUsdc } from "@/lib/chains/usdc";
import { env } from "@/lib/env";
import { describeError } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/body";
import { formatZodError } from "@/lib/http/json";
import { getLedger, type ClaimResult, type Ledger, type Payment, type PayerBalance } from "@/lib/ledger";
import { paidRouteError } from "./cors";
import { paymentRequiredResponse, quoteForAgent, type AgentQuote } from "./quote";
import { decodePaymentHeader, readPaymentHeader, verifyDecodedPayment, type VerifiedPayment } from "./payment";
import { getResourceServer } from "./resource-server";
import { decodeTabHeader, isTabRefund, serveTabRefund, tabProofOf, verifyTab, type TabProof, type VerifiedTab } from "./tab-payment";

/**
 * The gate of the paid route: everything before a reply. In order: the agent exists and can answer, the body is
 * valid (both before any payment); no proof → 402 with the quote; the proof is verified by the facilitator while
 * the payer's balance is read; then it is claimed once in the ledger, as a reservation against that balance.
 * A tab proof (`batch-settlement`) goes to tab-payment.ts instead: verified by the SDK's tab scheme, which reserves
 * its channel for this reply; a tab's refund is served here without a chat or an agent.
 * Every refusal is an answer; a request that passes is a claimed payment, ready for its reply.
 */

export interface ParsedChatRequest {
  body: ChatRequest;
  messages: ModelMessage[];
}

interface PaidRequestBase {
  server: x402ResourceServer;
  ledger: Ledger;
  quote: AgentQuote;
  request: ParsedChatRequest;
  /** When the reply began (performance.now()), for latency and time to first token. */
  startedAt: number;
}

/** An `exact` payment that passed the gate: verified and claimed (status `verified` in the ledger). */
export interface ExactPaidRequest extends PaidRequestBase {
  kind: "exact";
  payment: VerifiedPayment;
  record: Payment;
}

/** A tab payment (deposit or voucher) that passed the gate: verified, its channel reserved for this reply. */
export interface TabPaidRequest extends PaidRequestBase {
  kind: "tab";
  tab: VerifiedTab;
}

/** A request that passed the gate, ready for its reply. */
export type PaidRequest = ExactPaidRequest | TabPaidRequest;

export async function passGate(req: Request, agentId: string): Promise<PaidRequest | Response> {
  const agent = availableAgent(agentId);
  if (agent instanceof Response) return agent;
  const header = readPaymentHeader(req);
  // Decoded once here for every tab check (the exact path decodes its own proof).
  const tabPayload = header ? decodeTabHeader(header) : null;
  // A tab's refund pays for no reply: it is served without a chat (the official client sends it as a GET, too).
  if (isTabRefund(tabPayload)) return passRefundGate(req, agentId);

  const request = await readChatRequest(req);
  if (request instanceof Response) return request;

  const priced = await quoteFor(req, agent);
  if (priced instanceof Response) return priced;
  const { server, quote } = priced;
  const tabProof = tabPayload ? tabProofOf(quote, server, tabPayload) : null;

  if (!header) {
    return paymentRequiredResponse(server, quote, "payment_required", `${agent.name} costs ${agent.price} USDC per message on ${quote.network.name}.`);
  }
  const ledger = await openLedger();
  if (ledger instanceof Response) return ledger;
  if (tabProof) {
    if (!tabProof.ok) return tabProof.response();
    const verified = await verifyTab(server, quote, tabProof.proof);
    if (!verified.ok) return verified.response;
    return { kind: "tab", server, ledger, quote, tab: verified.tab, request, startedAt: performance.now() };
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
      : paidRouteError(check.status, check.error, check.message);
  }
  if (funds instanceof Error) {
    return paidRouteError(503, "chain_unreachable", `Payments are unavailable: ${quote.network.name} could not be read (${describeError(funds)}).`);
  }
  const payment = check.payment;

  const claim = await claimVerified(ledger, agent, quote, payment, funds);
  if (claim instanceof Response) return claim;
  if ("insufficient" in claim) {
    const usdc = (atomic: string) => formatUsdc(atomic, quote.network.usdc.decimals);
    return paymentRequiredResponse(
      server,
      quote,
      "insufficient_funds",
      `Your balance of ${usdc(claim.insufficient.balance)}, less ${usdc(claim.insufficient.reserved)} in payments still settling, does not cover this message (${usdc(quote.requirements.amount)}).`,
    );
  }
  if (!claim.claimed) {
    return paidRouteError(409, "payment_already_used", "This payment authorization was already used; sign a new one.", {
      paymentId: claim.existing.id,
      status: claim.existing.status,
    });
  }
  return { kind: "exact", server, ledger, quote, payment, record: claim.payment, request, startedAt: performance.now() };
}

/**
 * GET on a paid route: no chat, so nothing to pay for but a tab's cooperative refund (the official client probes
 * with a GET for the quote, then sends its refund as a GET). Without a proof: the quote; any other proof: refused.
 */
export async function passRefundGate(req: Request, agentId: string): Promise<Response> {
  const agent = availableAgent(agentId);
  if (agent instanceof Response) return agent;
  const priced = await quoteFor(req, agent);
  if (priced instanceof Response) return priced;
  const { server, quote } = priced;
  const header = readPaymentHeader(req);
  if (!header) {
    return paymentRequiredResponse(server, quote, "payment_required", `${agent.name} costs ${agent.price} USDC per message on ${quote.network.name}; POST a chat to pay for one.`);
  }
  const tabPayload = decodeTabHeader(header);
  const tabProof = tabPayload ? tabProofOf(quote, server, tabPayload) : null;
  if (tabProof && !tabProof.ok) return tabProof.response();
  if (tabProof?.proof.type === "refund") return refundTab(server, quote, tabProof.proof);
  return paidRouteError(400, "invalid_request", "A GET takes only a tab's refund; POST a chat with its payment.");
}

async function refundTab(server: x402ResourceServer, quote: AgentQuote, proof: TabProof): Promise<Response> {
  const ledger = await openLedger();
  if (ledger instanceof Response) return ledger;
  const verified = await verifyTab(server, quote, proof);
  if (!verified.ok) return verified.response;
  return serveTabRefund({ server, ledger, quote, tab: verified.tab });
}

function availableAgent(agentId: string): AgentConfig | Response {
  let agent: AgentConfig | undefined;
  try {
    agent = getAgent(agentId);
  } catch (err) {
    return paidRouteError(500, "agents_config_invalid", (err as Error).message);
  }
  if (!agent) return paidRouteError(404, "unknown_agent", `No agent with id ${agentId}. GET /api/agents lists them.`);
  const status = agentStatus(agent);
  if (!status.available) {
    return paidRouteError(503, "agent_unavailable", `${agent.name} cannot answer right now: ${status.reason}`);
  }
  return agent;
}

async function quoteFor(req: Request, agent: AgentConfig): Promise<{ server: x402ResourceServer; quote: AgentQuote } | Response> {
  try {
    const server = await getResourceServer();
    return { server, quote: await quoteForAgent(server, agent, resourceUrlOf(req)) };
  } catch (err) {
    return paidRouteError(503, "facilitator_unavailable", `Payments are unavailable: ${(err as Error).message}`);
  }
}

async function openLedger(): Promise<Ledger | Response> {
  try {
    return await getLedger();
  } catch (err) {
    return paidRouteError(503, "ledger_unavailable", `Payments are unavailable: ${describeError(err)}`);
  }
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
): Promise<ClaimResult | Response> {
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
    return paidRouteError(503, "ledger_unavailable", `The payment could not be recorded: ${describeError(err)}`);
  }
}

/** 100 messages of 16k characters fit, with room for UI message parts. */
const MAX_CHAT_BODY_BYTES = 2_000_000;

async function readChatRequest(req: Request): Promise<ParsedChatRequest | Response> {
  const json = await readJsonBody(req, MAX_CHAT_BODY_BYTES);
  if (!json.ok) {
    const code = json.status === 413 ? "body_too_large" : "invalid_json";
    return paidRouteError(json.status, code, `${json.message} Send JSON: {messages:[{role, content}], selectedToolkits?}.`);
  }
  const parsed = ChatRequestSchema.safeParse(json.value);
  if (!parsed.success) return paidRouteError(400, "invalid_request", formatZodError(parsed.error));
  try {
    return { body: parsed.data, messages: await toModelMessages(parsed.data.messages) };
  } catch (err) {
    return paidRouteError(400, "invalid_messages", (err as Error).message);
  }
}

/**
 * The URL clients pay for: this route as the client addressed it, without the query string. The Host header
 * is the client's; X-Forwarded-Host/-Proto only when TRUST_PROXY says a proxy in front of us sets them (from
 * anyone else they are just text). Whatever is used must make an http(s) origin, or the request's own URL stands.
 */
export function resourceUrlOf(req: Request): string {
  const url = new URL(req.url);
  const trustProxy = env.TRUST_PROXY;
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
