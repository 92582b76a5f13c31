import "server-only";
import { x402ResourceServer } from "@x402/core/server";
import { BatchSettlementEvmScheme, type Channel, type ChannelStorage, type ChannelUpdateResult } from "@x402/evm/batch-settlement/server";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { bazaarResourceServerExtension } from "@x402/extensions/bazaar";
import { zeroAddress } from "viem";
import { NETWORK_LIST, type Caip2 } from "@/lib/chains/networks";
import { getLedger, type TabLedger } from "@/lib/ledger";
import { processSingleton, processSingletonRetrying } from "@/lib/singleton";
import { facilitatorClients } from "@/lib/x402/facilitator";

/**
 * The SDK's resource server: builds quotes, verifies and settles through the
 * facilitators. Initialising asks each facilitator what it supports; a failure
 * is not cached, so the next request tries again (a remote facilitator may be back).
 *
 * Each network takes `exact` and tabs (`batch-settlement`). The tab scheme keeps its channels in the ledger; its
 * receiver address only serves its channel manager (the claimer's business), so one scheme per network serves
 * every agent, and it signs nothing itself: the facilitator advertises the receiver authorizer and signs.
 */
export function getResourceServer(): Promise<x402ResourceServer> {
  return processSingletonRetrying("resourceServer", async () => {
    const server = new x402ResourceServer(await facilitatorClients());
    for (const network of NETWORK_LIST) {
      server.register(network.caip2, new ExactEvmScheme());
      server.register(network.caip2, tabSchemeFor(network.caip2));
      // A v1 payment (X-PAYMENT) is verified against the quote in v1's shape, which names the network
      // ("base-sepolia"): the SDK finds its scheme by that name. v1 has `exact` only.
      if (network.x402V1Name) server.register(network.x402V1Name as Caip2, new ExactEvmScheme());
    }
    server.registerExtension(bazaarResourceServerExtension);
    await server.initialize();
    return server;
  });
}

/** The process's tab scheme of one network (the same one the resource server runs its hooks with). */
export function tabSchemeFor(network: Caip2): BatchSettlementEvmScheme {
  const schemes = processSingleton("tabSchemes", () => new Map());
  let scheme = schemes.get(network);
  if (!scheme) {
    scheme = new BatchSettlementEvmScheme(zeroAddress, { storage: new LedgerChannelStorage(network) });
    schemes.set(network, scheme);
  }
  return scheme;
}

/**
 * The SDK's channel storage on the process's ledger, opened on first use (the resource server is built before any
 * request needs the database, and a ledger that fails to open is retried by the next request).
 */
class LedgerChannelStorage implements ChannelStorage {
  constructor(private readonly network: string) {}
  private tabs(): Promise<TabLedger> {
    return getLedger().then((ledger) => ledger.tabs(this.network));
  }
  async get(channelId: string): Promise<Channel | undefined> {
    return (await this.tabs()).get(channelId);
  }
  async list(): Promise<Channel[]> {
    return (await this.tabs()).list();
  }
  async updateChannel(channelId: string, update: (current: Channel | undefined) => Channel | undefined): Promise<ChannelUpdateResult> {
    return (await this.tabs()).updateChannel(channelId, update);
  }
}
