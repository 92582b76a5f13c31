import "server-only";
import { x402ResourceServer } from "@x402/core/server";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { bazaarResourceServerExtension } from "@x402/extensions/bazaar";
import { NETWORK_LIST } from "@/lib/chains/networks";
import { processSingletonRetrying } from "@/lib/singleton";
import { facilitatorClients } from "@/lib/x402/facilitator";

/**
 * The SDK's resource server: builds quotes, verifies and settles through the
 * facilitators. Initialising asks each facilitator what it supports; a failure
 * is not cached, so the next request tries again (a remote facilitator may be back).
 */
export function getResourceServer(): Promise<x402ResourceServer> {
  return processSingletonRetrying("resourceServer", async () => {
    const server = new x402ResourceServer(await facilitatorClients());
    for (const network of NETWORK_LIST) server.register(network.caip2, new ExactEvmScheme());
    server.registerExtension(bazaarResourceServerExtension);
    await server.initialize();
    return server;
  });
}
