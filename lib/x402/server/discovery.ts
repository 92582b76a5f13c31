import "server-only";
import { catalogEntry } from "@/lib/agents/catalog";
import { listAgents } from "@/lib/agents/registry";
import { NETWORK_LIST } from "@/lib/chains/networks";
import { facilitatorDescription } from "@/lib/x402/facilitator";
import { agentPrice } from "./quote";

/** /.well-known/x402: the paid routes of this server, their prices and networks, and its facilitator. */
export function x402Manifest(origin: string) {
  const facilitator = facilitatorDescription();
  return {
    x402Version: 2,
    name: "x402 Chat",
    description: "AI agents that charge per message in USDC over x402.",
    facilitator: {
      url: `${origin}/api/facilitator`,
      endpoints: { verify: "POST /verify", settle: "POST /settle", supported: "GET /supported" },
      remote: facilitator.remote,
      cdp: facilitator.cdp,
    },
    networks: NETWORK_LIST.map((n) => ({ name: n.name, network: n.caip2, chainId: n.chainId, usdc: n.usdc.address })),
    resources: listAgents().flatMap((agent) => {
      const entry = catalogEntry(agent);
      const accepts = [agentPrice(agent)];
      return [entry.endpoint, `/agent/${agent.id}/v1/chat`].map((path) => ({
        resource: `${origin}${path}`,
        method: "POST",
        agentId: agent.id,
        name: agent.name,
        description: agent.description,
        priceUsdc: agent.price,
        status: entry.status,
        mimeType: "text/event-stream",
        accepts,
      }));
    }),
  };
}
