import "server-only";
import { NETWORKS } from "@/lib/chains/networks";
import { checkNetworks } from "@/lib/chains/status";
import { facilitatorNetworks } from "@/lib/x402/facilitator/local";
import { paymentSchemes, pricingSummary, type PaymentScheme, type PricingSummary } from "./pricing";
import { agentStatus, listAgents, type AgentConfig } from "./registry";
import { checkToolkits } from "./tools/reachability";

/** What the free catalog (GET /api/agents) says of an agent. */
export interface CatalogEntry {
  id: string;
  name: string;
  description: string;
  capabilities: string[];
  /** USDC, decimal: the most one message costs (what `exact` pays; a tab is charged per `pricing`). */
  price: string;
  /** x402 schemes the agent's 402 offers: `exact` (one payment per message) and, where served, `batch-settlement` (a tab). */
  schemes: readonly PaymentScheme[];
  pricing: PricingSummary;
  network: { key: string; name: string; chainId: number; caip2: string };
  payTo: string;
  model: string;
  /** degraded: it answers, but a toolkit's service is unreachable (statusReason names it), so those tools fail. */
  status: "available" | "degraded" | "unavailable";
  statusReason?: string;
  /** Path of the paid chat route. */
  endpoint: string;
}

/**
 * The schemes an agent's 402 offers here: paymentSchemes, less a tab where no facilitator serves one. The quote
 * (lib/x402/server/quote.ts) offers a tab where a facilitator advertises batch-settlement; ours does on every network
 * it serves (the local chain; Base networks with FACILITATOR_PRIVATE_KEY). A remote facilitator that also serves tabs
 * is not known without asking it, so discovery then understates rather than promises.
 */
export function offeredSchemes(agent: AgentConfig): readonly PaymentScheme[] {
  const tabs = facilitatorNetworks().some((network) => network.key === agent.network);
  return paymentSchemes(agent).filter((scheme) => scheme !== "batch-settlement" || tabs);
}

export function catalogEntry(agent: AgentConfig): CatalogEntry {
  const network = NETWORKS[agent.network];
  const status = agentStatus(agent);
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description,
    capabilities: agent.capabilities,
    price: agent.price,
    schemes: offeredSchemes(agent),
    pricing: pricingSummary(agent),
    network: { key: network.key, name: network.name, chainId: network.chainId, caip2: network.caip2 },
    payTo: agent.payTo,
    model: agent.model === "offline" ? "offline (built-in model, no LLM)" : agent.model,
    status: !status.available ? "unavailable" : status.degraded ? "degraded" : "available",
    ...(status.reason && { statusReason: status.reason }),
    endpoint: `/api/x402/${agent.id}/chat`,
  };
}

export function catalog(): CatalogEntry[] {
  return listAgents().map(catalogEntry);
}

/** The catalog after checking its agents' toolkit services and networks (cached a while), so the status says what is down. */
export async function checkedCatalog(): Promise<CatalogEntry[]> {
  const agents = listAgents();
  await Promise.all([
    checkToolkits(new Set(agents.flatMap((agent) => agent.capabilities))),
    checkNetworks(agents.map((agent) => NETWORKS[agent.network])),
  ]);
  return catalog();
}
