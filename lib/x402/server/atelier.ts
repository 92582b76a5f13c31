import "server-only";
import type { DiscoveryResource, DiscoveryResourcesResponse } from "@x402/extensions/bazaar";
import type { Hex } from "viem";
import { z } from "zod/v4";
import { catalogEntry } from "@/lib/agents/catalog";
import { runAgent } from "@/lib/agents/engine";
import { agentStatus, getAgent, listAgents, priceAtomic, type AgentConfig } from "@/lib/agents/registry";
import { ChatRequestSchema, MAX_MESSAGE_CHARS, toModelMessages } from "@/lib/agents/request";
import { NETWORKS, explorerTxUrl, networkByX402Id, type Network } from "@/lib/chains/networks";
import { publicClientOf } from "@/lib/chains/rpc";
import { formatUsdc } from "@/lib/chains/usdc";
import { describeError } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/body";
import { formatZodError } from "@/lib/http/json";
import { zod3Wording as w } from "@/lib/http/schema";
import { getLedger, type Ledger } from "@/lib/ledger";
import type { TransferOrder } from "@/lib/ledger/transfer-orders";
import { checkTransfer } from "./atelier-proof";
import { corsHeaders, paidRouteError } from "./cors";
import { describeAgentError } from "./paid-reply";
import { resourceUrlOf } from "./gate";
import { agentPrice } from "./quote";

/**
 * Atelier's surface for our agents (pay-then-prove): services, discover, pay. A buyer reads the quote (a 402 in
 * Atelier's shape), sends a USDC transfer to the agent's payTo, then POSTs its brief to /pay with the transaction
 * hash in X-PAYMENT and the network in X-Payment-Network. The proof is judged on chain (atelier-proof.ts) and the
 * hash claimed once in the ledger before the agent runs. A run that delivers nothing releases the hash (the payer
 * asks again with it: the money moved and the reply is still owed); a delivered reply spends it for good. So
 * nobody pays for a reply they did not get, and nobody gets two replies for one payment.
 */

/** How Atelier names networks: Base by name, the local chain (which has none) by CAIP-2. */
const ATELIER_NAMES: Record<Network["key"], string> = { local: NETWORKS.local.caip2, "base-sepolia": "base-sepolia", base: "base-mainnet" };

export function atelierNetworkName(network: Network): string {
  return ATELIER_NAMES[network.key];
}

/** A network as a buyer names it: Atelier's names, x402 v1 names or CAIP-2. */
export function networkOfName(name: string): Network | undefined {
  const n = name.trim().toLowerCase();
  return networkByX402Id(n === "base-mainnet" ? "base" : n);
}

/** One reply of an agent, quoted in Atelier's 402 shape. */
export function atelierQuote(agent: AgentConfig, origin: string) {
  const network = NETWORKS[agent.network];
  return {
    version: "1",
    scheme: "exact",
    network: atelierNetworkName(network),
    asset: { currency: "USDC", address: network.usdc.address },
    payTo: agent.payTo,
    maxAmountRequired: priceAtomic(agent).toString(),
    description: `${agent.name}: ${agent.description}`,
    resource: payUrl(origin, agent.id),
    mimeType: "application/json",
  };
}

const payUrl = (origin: string, id: string) => `${origin}/api/x402/pay?service_id=${encodeURIComponent(id)}`;

/** GET /api/x402/services: one service per agent of the catalog. */
export function listServices(origin: string) {
  return {
    services: listAgents().map((agent) => {
      const entry = catalogEntry(agent);
      const quote = atelierQuote(agent, origin);
      return {
        service_id: agent.id,
        name: agent.name,
        description: agent.description,
        capabilities: agent.capabilities,
        price: { amount: agent.price, currency: "USDC", atomic: quote.maxAmountRequired },
        network: quote.network,
        chainId: entry.network.chainId,
        asset: quote.asset,
        payTo: agent.payTo,
        status: entry.status,
        discover: `${origin}/api/x402/discover?service_id=${encodeURIComponent(agent.id)}`,
        pay: quote.resource,
        chat: `${origin}${entry.endpoint}`,
      };
    }),
  };
}

const MAX_SERVICE_ID = 100;

/** The agent a `service_id` names; its absence, or an agent that cannot answer now, is the error answer. */
function serviceOf(req: Request): AgentConfig | Response {
  const id = new URL(req.url).searchParams.get("service_id");
  if (!id || id.length > MAX_SERVICE_ID) return paidRouteError(400, "invalid_request", "Name the service: ?service_id=<id> (GET /api/x402/services lists them).");
  let agent: AgentConfig | undefined;
  try {
    agent = getAgent(id);
  } catch (err) {
    return paidRouteError(500, "agents_config_invalid", (err as Error).message);
  }
  if (!agent) return paidRouteError(404, "unknown_service", `No service ${id.slice(0, MAX_SERVICE_ID)}. GET /api/x402/services lists them.`);
  const status = agentStatus(agent);
  if (!status.available) return paidRouteError(503, "agent_unavailable", `${agent.name} cannot answer right now: ${status.reason}`);
  return agent;
}

function quoteResponse(agent: AgentConfig, origin: string, code: "payment_required" | "invalid_payment_header" | "unsupported_network", message: string): Response {
  return Response.json(
    { error: { code, message }, payment_requirements: atelierQuote(agent, origin) },
    { status: 402, headers: { ...corsHeaders, "Cache-Control": "no-store" } },
  );
}

/**
 * This app's origin as its client addressed it (Host, or X-Forwarded-* behind a trusted proxy; gate.ts), for the URLs
 * the routes hand out: req.url is the server's own view (next start sees localhost), useless to a caller behind a proxy.
 */
export function publicOrigin(req: Request): string {
  return new URL(resourceUrlOf(req)).origin;
}

/** GET /api/x402/discover?service_id=: the 402 with the quote in Atelier's shape. */
export function discoverService(req: Request): Response {
  const agent = serviceOf(req);
  if (agent instanceof Response) return agent;
  return quoteResponse(agent, publicOrigin(req), "payment_required", payWords(agent));
}

function payWords(agent: AgentConfig): string {
  const network = NETWORKS[agent.network];
  return `${agent.name} costs ${agent.price} USDC per brief on ${network.name}: transfer it to ${agent.payTo}, then POST the brief to the resource with X-PAYMENT: <transaction hash> and X-Payment-Network: ${atelierNetworkName(network)}.`;
}

/** One user message, or the chat body of the paid chat route. */
const BriefBody = z.object({ brief: z.string(w).trim().min(1, w).max(MAX_MESSAGE_CHARS, w) }, w);
const MAX_BODY_BYTES = 2_000_000;
const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

/** POST /api/x402/pay?service_id=: the brief, paid by the transfer X-PAYMENT names. */
export async function payService(req: Request): Promise<Response> {
  const agent = serviceOf(req);
  if (agent instanceof Response) return agent;
  const origin = publicOrigin(req);
  const network = NETWORKS[agent.network];

  // The body is checked before the proof, so a bad brief costs no chain read and spends no hash.
  const json = await readJsonBody(req, MAX_BODY_BYTES);
  if (!json.ok) return paidRouteError(json.status, json.status === 413 ? "body_too_large" : "invalid_json", `${json.message} Send {"brief": "…"} or a chat body {messages}.`);
  const messages = await briefMessages(json.value);
  if (messages instanceof Response) return messages;

  const proof = req.headers.get("x-payment")?.trim();
  if (!proof) return quoteResponse(agent, origin, "payment_required", payWords(agent));
  if (!TX_HASH.test(proof)) return quoteResponse(agent, origin, "invalid_payment_header", "X-PAYMENT must be the hash of your USDC transfer (0x and 64 hex digits).");
  const named = req.headers.get("x-payment-network")?.trim();
  if (named && networkOfName(named.slice(0, 64))?.key !== network.key) {
    return quoteResponse(agent, origin, "unsupported_network", `${agent.name} is paid on ${atelierNetworkName(network)}, not ${named.slice(0, 64)}.`);
  }
  const txHash = proof.toLowerCase() as Hex;
  const price = priceAtomic(agent);

  let check;
  try {
    check = await checkTransfer(publicClientOf(network), { network, txHash, payTo: agent.payTo as Hex, price });
  } catch (err) {
    return paidRouteError(503, "chain_unreachable", `${network.name} could not be read (${describeError(err)}); try again.`);
  }
  if (!check.ok) {
    const extra = check.missing !== undefined ? { missing: { atomic: check.missing.toString(), display: formatUsdc(check.missing, network.usdc.decimals) } } : undefined;
    return paidRouteError(402, check.code, check.message, extra);
  }

  let ledger: Ledger;
  let order: TransferOrder;
  try {
    ledger = await getLedger();
    const claim = await ledger.transferOrders().claim({
      network: network.caip2,
      txHash,
      agentId: agent.id,
      payer: check.payer,
      payTo: agent.payTo,
      asset: network.usdc.address,
      amount: check.amount.toString(),
    });
    if (!claim.claimed) {
      const running = claim.existing.status === "running";
      return paidRouteError(
        409,
        running ? "transfer_in_use" : "payment_already_used",
        running ? "A reply paid by this transaction is being written now." : "This transaction already paid for a reply; send a new transfer.",
        { order_id: claim.existing.id, status: claim.existing.status },
      );
    }
    order = claim.order;
  } catch (err) {
    return paidRouteError(503, "ledger_unavailable", `The payment could not be recorded: ${describeError(err)}`);
  }

  const payment = {
    transaction: txHash,
    network: atelierNetworkName(network),
    chainId: network.chainId,
    payer: check.payer,
    payTo: agent.payTo,
    asset: network.usdc.address,
    amount: check.amount.toString(),
    amountDisplay: formatUsdc(check.amount, network.usdc.decimals),
    explorerUrl: explorerTxUrl(network, txHash),
  };
  const startedAt = performance.now();
  const reply = await runBrief(agent, messages, req.signal);
  const orders = ledger.transferOrders();
  if ("failure" in reply) {
    await orders.fail(order.id, reply.failure).catch((err) => console.error(`[atelier] order ${order.id} not released: ${describeError(err)}`));
    return paidRouteError(502, "agent_failed", `${agent.name} delivered nothing: ${reply.failure}. Your transfer is not used up: send the same X-PAYMENT again.`, {
      order_id: order.id,
    });
  }
  try {
    await orders.complete(order.id);
  } catch (err) {
    // Not recorded as completed, the hash stays `running`: refused to others until it counts as stale (STALE_RUN_MS).
    console.error(`[atelier] order ${order.id} not completed: ${describeError(err)}`);
  }
  const usage = { model: agent.model, inputTokens: reply.inputTokens, outputTokens: reply.outputTokens, toolCalls: reply.toolCalls, latencyMs: Math.round(performance.now() - startedAt) };
  return Response.json(
    { success: true, data: { order_id: order.id, status: "completed", reply: reply.text, usage, payment } },
    { headers: { ...corsHeaders, "Cache-Control": "no-store" } },
  );
}

async function briefMessages(value: unknown): Promise<Awaited<ReturnType<typeof toModelMessages>> | Response> {
  const brief = BriefBody.safeParse(value);
  if (brief.success) return [{ role: "user", content: brief.data.brief }];
  const chat = ChatRequestSchema.safeParse(value);
  if (!chat.success) {
    const isBrief = typeof value === "object" && value !== null && "brief" in value;
    return paidRouteError(400, "invalid_request", formatZodError(isBrief ? brief.error : chat.error));
  }
  try {
    return await toModelMessages(chat.data.messages);
  } catch (err) {
    return paidRouteError(400, "invalid_messages", (err as Error).message);
  }
}

type BriefReply = { text: string; toolCalls: number; inputTokens: number; outputTokens: number } | { failure: string };

/** The agent's whole reply to a brief; a failure, a hang-up or no output is a reply not delivered. */
async function runBrief(agent: AgentConfig, messages: Awaited<ReturnType<typeof toModelMessages>>, signal: AbortSignal): Promise<BriefReply> {
  const run = runAgent({ agent, messages, abortSignal: signal });
  let text = "";
  let toolCalls = 0;
  try {
    for await (const part of run.fullStream) {
      if (part.type === "error") return { failure: describeAgentError(part.error) };
      if (part.type === "text-delta") text += part.text;
      else if (part.type === "tool-call") toolCalls += 1;
    }
  } catch (err) {
    return { failure: describeAgentError(err) };
  }
  if (signal.aborted) return { failure: "the client disconnected before the reply" };
  if (text.trim() === "") return { failure: "the agent produced no answer" };
  const total = await Promise.resolve(run.totalUsage).catch(() => null);
  return { text, toolCalls, inputTokens: total?.inputTokens ?? 0, outputTokens: total?.outputTokens ?? 0 };
}

const MAX_TRENDING = 50;

/** GET /api/x402/trending?limit=: agents ranked by paid messages in the ledger (every scheme). */
export async function trendingServices(req: Request): Promise<Response> {
  const raw = new URL(req.url).searchParams.get("limit");
  const limit = raw === null ? 10 : /^\d{1,3}$/.test(raw) ? Math.min(Number(raw), MAX_TRENDING) : NaN;
  if (!(limit >= 1)) return paidRouteError(400, "invalid_request", `limit must be a whole number from 1 to ${MAX_TRENDING}.`);
  let counts;
  try {
    counts = await (await getLedger()).transferOrders().paidMessagesByAgent(limit);
  } catch (err) {
    return paidRouteError(503, "ledger_unavailable", `The ledger could not be read: ${describeError(err)}`);
  }
  const origin = publicOrigin(req);
  const agents = new Map(listAgents().map((agent) => [agent.id, agent]));
  const trending = counts.flatMap(({ agentId, messages }) => {
    const agent = agents.get(agentId);
    // An agent no longer in the catalog is not offered.
    return agent ? [{ service_id: agent.id, name: agent.name, paid_messages: messages, price: { amount: agent.price, currency: "USDC" }, discover: `${origin}/api/x402/discover?service_id=${encodeURIComponent(agent.id)}` }] : [];
  });
  return Response.json({ trending }, { headers: { ...corsHeaders, "Cache-Control": "no-store" } });
}

/** When this process loaded the catalog: the agents' config is read at start, so it is their last update here. */
const LOADED_AT = new Date().toISOString();
const MAX_BAZAAR_PAGE = 100;

/**
 * GET /api/x402/bazaar?limit=&offset=: the catalog in the Bazaar discovery format (@x402/extensions' listing
 * response): each agent's paid chat route with its x402 `exact` offer.
 */
export function bazaarListing(req: Request): Response {
  const params = new URL(req.url).searchParams;
  const read = (name: string, fallback: number, max: number) => {
    const raw = params.get(name);
    return raw === null ? fallback : /^\d{1,6}$/.test(raw) && Number(raw) <= max ? Number(raw) : NaN;
  };
  const limit = read("limit", MAX_BAZAAR_PAGE, MAX_BAZAAR_PAGE);
  const offset = read("offset", 0, 1_000_000);
  if (!(limit >= 1) || Number.isNaN(offset)) return paidRouteError(400, "invalid_request", `limit must be 1 to ${MAX_BAZAAR_PAGE}, offset a whole number.`);
  const origin = publicOrigin(req);
  const agents = listAgents();
  const body: DiscoveryResourcesResponse = {
    x402Version: 2,
    items: agents.slice(offset, offset + limit).map((agent) => ({
      resource: `${origin}${catalogEntry(agent).endpoint}`,
      type: "http",
      x402Version: 2,
      accepts: [agentPrice(agent) as unknown as DiscoveryResource["accepts"][number]],
      lastUpdated: LOADED_AT,
      description: `${agent.name}: ${agent.description}`,
      mimeType: "text/event-stream",
      serviceName: "x402 Chat",
      tags: agent.capabilities.slice(0, 10),
    })),
    pagination: { limit, offset, total: agents.length },
  };
  return Response.json(body, { headers: { ...corsHeaders, "Cache-Control": "no-store" } });
}
