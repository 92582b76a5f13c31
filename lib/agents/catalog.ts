import "server-only";
import { NETWORKS } from "@/lib/chains/networks";
import { agentStatus, listAgents, type AgentConfig } from "./registry";

/** What the free catalog (GET /api/agents) says of an agent. */
export interface CatalogEntry {
  id: string;
  name: string;
  description: string;
  capabilities: string[];
  /** USDC, decimal. */
  price: string;
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
