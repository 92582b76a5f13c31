import { parseUnits, type Address } from "viem";
import type { CatalogEntry } from "@/lib/agents/catalog";
import { USDC_DECIMALS, networkByChainId, type Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import type { AgentRef } from "@/lib/browser/chat/conversations";
import { PROXY_CLIENT_HEADER } from "@/lib/remote-agents/proxy-header";
import type { NormalizedQuote } from "@/lib/remote-agents/parse-quote";
import type { ShownPrice } from "@/lib/x402/payer/paying-fetch";

/** An agent the user can talk to, as the chat needs it, whether published or pasted. */
export interface ChatAgent {
  ref: AgentRef;
  name: string;
  description: string;
  capabilities: string[];
  /** Where the chat posts: our paid route, or the proxy for a pasted URL on another origin. */
  endpoint: string;
  /** Request headers the endpoint needs (the proxy's client header). */
  headers?: Record<string, string>;
  shown: ShownPrice | null;
  priceDisplay: string;
  /** Why it cannot be paid from this wallet, or null. */
  blocked: string | null;
  /** Its 402 offers a tab (x402 `batch-settlement`): the chat proposes opening one. */
  tab?: boolean;
  /** Paid by a USDC transfer from the local wallet, then proven by its hash (Atelier's pay-then-prove). */
  transfer?: boolean;
}

export function catalogAgent(entry: CatalogEntry, network: Network): ChatAgent {
  const agentNetwork = networkByChainId(entry.network.chainId);
  const blocked =
    entry.status === "unavailable"
      ? `unavailable: ${entry.statusReason ?? "its model is not configured"}`
      : entry.network.chainId !== network.chainId
        ? `paid on ${entry.network.name}: switch network to use it`
        : null;
  // The catalog states prices in USDC of the agent's network (the registry checks it has at most 6 decimals).
  const decimals = agentNetwork?.usdc.decimals ?? USDC_DECIMALS;
  const amount = parseUnits(entry.price, decimals);
  return {
    ref: { kind: "catalog", id: entry.id, name: entry.name },
    name: entry.name,
    description: entry.description,
    capabilities: entry.capabilities,
    endpoint: entry.endpoint,
    shown: agentNetwork
      ? { network: agentNetwork.caip2, asset: agentNetwork.usdc.address, payTo: entry.payTo as Address, amount }
      : null,
    priceDisplay: formatUsdc(amount, decimals),
    blocked,
    tab: entry.schemes.includes("batch-settlement"),
  };
}

/** `appOrigin`: this page's origin; a pasted URL on it is called directly (same origin: no CORS, and the proxy never calls the app). */
export function urlAgent(url: string, quote: NormalizedQuote, network: Network, appOrigin = globalThis.location?.origin): ChatAgent {
  const shown =
    quote.payable && quote.network && quote.asset && quote.payTo && quote.amount
      ? { network: quote.network as ShownPrice["network"], asset: quote.asset as Address, payTo: quote.payTo as Address, amount: BigInt(quote.amount.atomic) }
      : null;
  const blocked = !quote.payable
    ? quote.reason ?? "this URL does not ask for an x402 payment we can make"
    : quote.chainId !== network.chainId
      ? `paid on ${(quote.chainId !== null && networkByChainId(quote.chainId)?.name) || `chain ${quote.chainId}`}: switch network to use it`
      : null;
  return {
    ref: { kind: "url", url, name: hostOf(url) },
    name: hostOf(url),
    description: quote.description ?? url,
    // What its discovery lists: offered as choices, and only sent when the user changes them.
    capabilities: quote.toolkits ?? [],
    ...endpointOf(url, appOrigin),
    shown,
    // A transfer is a transaction of the wallet's own: said before anything is signed, gas included.
    priceDisplay: quote.payBy === "transfer" && quote.amount ? `${quote.amount.display} + gas in ETH (pays on chain by transfer)` : quote.amount?.display ?? "unknown price",
    blocked,
    tab: quote.tab === true,
    ...(quote.payBy === "transfer" && { transfer: true }),
  };
}

function endpointOf(url: string, appOrigin: string | undefined): Pick<ChatAgent, "endpoint" | "headers"> {
  try {
    const parsed = new URL(url);
    if (appOrigin && parsed.origin === appOrigin) return { endpoint: `${parsed.pathname}${parsed.search}` };
  } catch {
    // Not a URL: the proxy says so.
  }
  return { endpoint: `/api/proxy?url=${encodeURIComponent(url)}`, headers: { [PROXY_CLIENT_HEADER.name]: PROXY_CLIENT_HEADER.value } };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
