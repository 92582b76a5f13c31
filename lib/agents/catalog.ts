import "server-only";
import { NETWORKS } from "@/lib/chains/networks";
import { paymentSchemes, pricingSummary, type PaymentScheme, type PricingSummary } from "./pricing";
import { agentStatus, listAgents, type AgentConfig } from "./registry";

/** What the free catalog (GET /api/agents) says of an agent. */
export interface CatalogEntry {
  id: string;
  name: string;
  description: string;
  capabilities: string[];
  /** USDC, decimal: the most one message costs (what `exact` pays; a tab is charged per `pricing`). */
  price: string;
  /** x402 schemes the agent's 402 offers: `exact` (one payment per message) and `batch-settlement` (a tab). */
  schemes: readonly PaymentScheme[];
  pricing: PricingSummary;
  network: { key: string; name: string; chainId: number; caip2: string };
  payTo: string;
  model: string;
  status: "available" | "unavailable";
  statusReason?: string;
  /** Path of the paid chat route. */
  endpoint: string;
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
    schemes: paymentSchemes(agent),
    pricing: pricingSummary(agent),
    network: { key: network.key, name: network.name, chainId: network.chainId, caip2: network.caip2 },
    payTo: agent.payTo,
    model: agent.model === "offline" ? "offline (built-in model, no LLM)" : agent.model,
    status: status.available ? "available" : "unavailable",
    ...(status.reason && { statusReason: status.reason }),
    endpoint: `/api/x402/${agent.id}/chat`,
  };
}

export function catalog(): CatalogEntry[] {
  return listAgents().map(catalogEntry);
}
