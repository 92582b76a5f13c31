import { parseUnits, type Address } from "viem";
import type { CatalogEntry } from "@/lib/agents/catalog";
import { networkByChainId, type Network } from "@/lib/chains/networks";
import type { AgentRef } from "@/lib/chat/conversations";
import type { NormalizedQuote } from "@/lib/x402/client/quote";
import type { ShownPrice } from "@/lib/x402/client/paying-fetch";

/** An agent the user can talk to, as the chat needs it, whether published or pasted. */
export interface ChatAgent {
  ref: AgentRef;
  name: string;
  description: string;
  capabilities: string[];
  /** Where the chat posts: our paid route, or the proxy for a pasted URL. */
  endpoint: string;
  shown: ShownPrice | null;
  priceDisplay: string;
  /** Why it cannot be paid from this wallet, or null. */
  blocked: string | null;
}

export function catalogAgent(entry: CatalogEntry, network: Network): ChatAgent {
  const agentNetwork = networkByChainId(entry.network.chainId);
  const blocked =
    entry.status !== "available"
      ? `unavailable: ${entry.statusReason ?? "its model is not configured"}`
      : entry.network.chainId !== network.chainId
        ? `paid on ${entry.network.name}: switch network to use it`
        : null;
  return {
    ref: { kind: "catalog", id: entry.id, name: entry.name },
    name: entry.name,
    description: entry.description,
    capabilities: entry.capabilities,
    endpoint: entry.endpoint,
    shown: agentNetwork
      ? { network: agentNetwork.caip2, asset: agentNetwork.usdc.address, payTo: entry.payTo as Address, amount: parseUnits(entry.price, 6) }
      : null,
    priceDisplay: `${entry.price} USDC`,
    blocked,
  };
}

export function urlAgent(url: string, quote: NormalizedQuote, network: Network): ChatAgent {
  const shown =
    quote.payable && quote.network && quote.asset && quote.payTo && quote.amount
      ? { network: quote.network as ShownPrice["network"], asset: quote.asset as Address, payTo: quote.payTo as Address, amount: BigInt(quote.amount.atomic) }
      : null;
  const blocked = !quote.payable
    ? quote.reason ?? "this URL does not ask for an x402 payment we can make"
    : quote.chainId !== network.chainId
      ? `paid on chain ${quote.chainId}: switch network to use it`
      : null;
  return {
    ref: { kind: "url", url, name: hostOf(url) },
    name: hostOf(url),
    description: quote.description ?? url,
    capabilities: [],
    endpoint: `/api/proxy?url=${encodeURIComponent(url)}`,
    shown,
    priceDisplay: quote.amount?.display ?? "unknown price",
    blocked,
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
