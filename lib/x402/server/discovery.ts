import "server-only";
import { catalogEntry } from "@/lib/agents/catalog";
import { listAgents } from "@/lib/agents/registry";
import { NETWORK_LIST } from "@/lib/chains/networks";
import { facilitatorDescription } from "@/lib/x402/facilitator";
import { mcpManifest } from "./mcp-manifest";
import { agentPrice } from "./quote";

/**
 * /.well-known/x402: the paid routes of this server, their prices and networks, and its facilitator. Each route
 * accepts `exact` (the whole price per message) and `batch-settlement` (a tab: one deposit, then a voucher per
 * message charged its actual cost up to the price, per `pricing`). A tab's `extra` here has the token's EIP-712
 * domain only; the 402 adds the facilitator's `receiverAuthorizer` and the `withdrawDelay` a channel is opened with.
 */
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
    // The same agents over MCP, paid per x402's MCP transport.
    mcp: mcpManifest(origin),
    // Atelier's pay-then-prove for the same agents (lib/x402/server/atelier.ts): a USDC transfer, then its hash.
    atelier: {
      services: `${origin}/api/x402/services`,
      discover: `${origin}/api/x402/discover?service_id={id}`,
      pay: `${origin}/api/x402/pay?service_id={id}`,
      trending: `${origin}/api/x402/trending`,
      bazaar: `${origin}/api/x402/bazaar`,
    },
    networks: NETWORK_LIST.map((n) => ({ name: n.name, network: n.caip2, chainId: n.chainId, usdc: n.usdc.address })),
    resources: listAgents().flatMap((agent) => {
      const entry = catalogEntry(agent);
      const price = agentPrice(agent);
      const accepts = entry.schemes.map((scheme) => ({ ...price, scheme }));
      return [entry.endpoint, `/agent/${agent.id}/v1/chat`].map((path) => ({
        resource: `${origin}${path}`,
        method: "POST",
        agentId: agent.id,
        name: agent.name,
        description: agent.description,
        priceUsdc: agent.price,
        // The toolkits a caller may choose from (`selectedToolkits`); the chat offers them for a pasted URL.
        toolkits: agent.capabilities,
        schemes: entry.schemes,
        pricing: entry.pricing,
        status: entry.status,
        mimeType: "text/event-stream",
        accepts,
      }));
    }),
  };
}
