import "server-only";
import type { x402ResourceServer } from "@x402/core/server";
import { encodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentPayload, PaymentRequired, PaymentRequirements, ResourceInfo } from "@x402/core/types";
import { declareDiscoveryExtension } from "@x402/extensions/bazaar";
import { NETWORKS, type Network } from "@/lib/chains/networks";
import { paymentSchemes } from "@/lib/agents/pricing";
import { priceAtomic, type AgentConfig } from "@/lib/agents/registry";
import { chatRequestJsonSchema } from "@/lib/agents/request";
import { v1OffersOf, v1Requirements } from "@/lib/x402/shared/v1";
import { corsHeaders } from "./cors";

/** How long a signed authorization for an agent's reply may stay valid. */
const MAX_TIMEOUT_SECONDS = 300;

export interface AgentQuote {
  agent: AgentConfig;
  network: Network;
  /** The `exact` offer: one on-chain transfer of the price per reply. Listed first, for clients that take the first. */
  requirements: PaymentRequirements;
  /**
   * The tab offer (x402 `batch-settlement`) at the same price, the per-reply maximum: one deposit, then an
   * off-chain voucher per reply, charged what the reply cost. Null where no facilitator serves tabs.
   */
  tab: PaymentRequirements | null;
  resource: ResourceInfo;
}

export const TAB_SCHEME = "batch-settlement" as const;

/** Bazaar discovery: how to call a paid agent route and what it answers. */
const chatDiscovery = declareDiscoveryExtension({
  bodyType: "json",
  input: { messages: [{ role: "user", content: "What is the current price of ETH?" }] },
  inputSchema: chatRequestJsonSchema,
  output: {
    example: { messages: [{ role: "assistant", content: "ETH/USD is $3,000.00 …" }], usage: { inputTokens: 42 } },
    schema: {
      type: "object",
      properties: {
        messages: { type: "array" },
        reasoning: { type: "string" },
        toolCalls: { type: "array" },
        usage: { type: "object" },
        payment: { type: "object" },
      },
    },
  },
});

/** What one reply of an agent costs: its price in its network's USDC, to its payTo. */
export function agentPrice(agent: AgentConfig) {
  const network = NETWORKS[agent.network];
  return {
    scheme: "exact",
    network: network.caip2,
    payTo: agent.payTo,
    amount: priceAtomic(agent).toString(),
    asset: network.usdc.address,
    // The EIP-712 domain the client signs with must be the token's own.
    extra: { name: network.usdc.eip712Name, version: network.usdc.eip712Version },
    maxTimeoutSeconds: MAX_TIMEOUT_SECONDS,
  } as const;
}

/** Quotes only change with an agent's config or the URL it is reached at: built once per combination. */
const quotes = new Map<string, Promise<AgentQuote>>();
const MAX_CACHED_QUOTES = 500;

/** The SDK's exact-scheme requirements for one reply of an agent. */
export function quoteForAgent(server: x402ResourceServer, agent: AgentConfig, resourceUrl: string): Promise<AgentQuote> {
  const key = JSON.stringify([agent, resourceUrl]);
  let quote = quotes.get(key);
  if (!quote) {
    if (quotes.size >= MAX_CACHED_QUOTES) quotes.clear();
    quote = buildQuote(server, agent, resourceUrl);
    quotes.set(key, quote);
    quote.catch(() => quotes.delete(key)); // a failure is not kept
  }
  return quote;
}

async function buildQuote(server: x402ResourceServer, agent: AgentConfig, resourceUrl: string): Promise<AgentQuote> {
  const network = NETWORKS[agent.network];
  const price = agentPrice(agent);
  const [requirements] = await server.buildPaymentRequirements({
    scheme: price.scheme,
    network: price.network,
    payTo: price.payTo,
    price: { amount: price.amount, asset: price.asset, extra: price.extra },
    maxTimeoutSeconds: price.maxTimeoutSeconds,
  });
  if (!requirements) throw new Error(`No payment requirements could be built for agent ${agent.id}`);
  // The tab offer needs a facilitator that serves tabs on this network (and names its receiver authorizer).
  const tab = paymentSchemes(agent).includes(TAB_SCHEME) && server.getSupportedKind(2, price.network, TAB_SCHEME)
    ? (await server.buildPaymentRequirements({
        scheme: TAB_SCHEME,
        network: price.network,
        payTo: price.payTo,
        price: { amount: price.amount, asset: price.asset, extra: price.extra },
        maxTimeoutSeconds: price.maxTimeoutSeconds,
      }))[0] ?? null
    : null;
  const resource: ResourceInfo = {
    url: resourceUrl,
    description: `${agent.name}: ${agent.description}`,
    mimeType: "text/event-stream",
    serviceName: "x402 Chat",
  };
  return { agent, network, requirements, tab, resource };
}

/**
 * A 402 that clients of both protocol versions can read: the v2 quote in the
 * PAYMENT-REQUIRED header, a v1-style body (`x402Version`, `error`, `accepts`),
 * and a sentence for people.
 */
export async function paymentRequiredResponse(
  server: x402ResourceServer,
  quote: AgentQuote,
  error: string,
  message: string,
  /** The refused payment, for a corrective 402: the tab scheme adds the channel's state to its offer. */
  refused?: PaymentPayload,
): Promise<Response> {
  const key = `${error}\n${message}`;
  let cached = refused ? undefined : plainChallenges.get(quote);
  if (!cached || cached.key !== key) {
    cached = { key, ...(await buildPaymentRequired(server, quote, error, message, refused)) };
    // Only the plain challenge repeats (one per message); refusals carry their own reasons.
    if (error === "payment_required") plainChallenges.set(quote, cached);
  }
  return new Response(cached.body, {
    status: 402,
    headers: { ...corsHeaders, "content-type": "application/json", "PAYMENT-REQUIRED": cached.header, "Cache-Control": "no-store" },
  });
}

const plainChallenges = new WeakMap<AgentQuote, { key: string; header: string; body: string }>();

async function buildPaymentRequired(
  server: x402ResourceServer,
  quote: AgentQuote,
  error: string,
  message: string,
  refused?: PaymentPayload,
): Promise<{ header: string; body: string }> {
  const paymentRequired: PaymentRequired = await server.createPaymentRequiredResponse(
    quote.tab ? [quote.requirements, quote.tab] : [quote.requirements],
    quote.resource,
    error,
    chatDiscovery,
    undefined,
    refused,
  );
  const { network, resource } = quote;
  const body = {
    x402Version: 1,
    error,
    message,
    // The same offers as the header (a corrective 402's channel state included), in v1's shape; on a network v1
    // names, only the schemes v1 has (v1OffersOf).
    accepts: v1OffersOf(paymentRequired.accepts, network).map((requirements) => ({
      ...v1Requirements(requirements, network, resource),
      outputSchema: { input: { type: "http", method: "POST", bodyType: "json" } },
    })),
    extensions: paymentRequired.extensions,
  };
  return { header: encodePaymentRequiredHeader(paymentRequired), body: JSON.stringify(body) };
}
