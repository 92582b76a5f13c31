import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { x402ResourceServer } from "@x402/core/server";
import { BatchSettlementEvmScheme, type Channel, type ChannelStorage, type ChannelUpdateResult } from "@x402/evm/batch-settlement/server";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { bazaarResourceServerExtension } from "@x402/extensions/bazaar";
import { zeroAddress } from "viem";
import { NETWORK_LIST, type Caip2 } from "@/lib/chains/networks";
import { getLedger, type TabLedger } from "@/lib/ledger";
import { StaleChannelState } from "@/lib/ledger/tabs";
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

/** A tab's verification (verifyOnKnownState): the channels it read from this process's memory, and whether one was stale. */
interface Verification {
  fresh: boolean;
  cachedReads: Set<string>;
  stale: boolean;
}

const verifications = new AsyncLocalStorage<Verification>();

/**
 * Runs the SDK's verification of a tab proof reading its channel as this process last read or wrote it (no
 * statement: a voucher message's one read). The SDK decides on that snapshot (the voucher's base, the balance, the
 * claimed total it writes back with the reservation), so the reservation is then written only if the row is still
 * in that state; if it is not (another process, or the claimer elsewhere, changed it), nothing is written and the
 * verification runs once more on the row read afresh. A refusal decided on the snapshot alone (a voucher on another
 * base, whose corrective 402 carries the channel's state; beyond the balance) is decided again on the row too.
 */
export async function verifyOnKnownState<T extends { isValid: boolean }>(verify: () => Promise<T>): Promise<T> {
  const first: Verification = { fresh: false, cachedReads: new Set(), stale: false };
  const verdict = await verifications.run(first, verify);
  if (!first.stale && (verdict.isValid || first.cachedReads.size === 0)) return verdict;
  return verifications.run({ fresh: true, cachedReads: new Set(), stale: false }, verify);
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
    const tabs = await this.tabs();
    const verification = verifications.getStore();
    if (!verification || verification.fresh) return tabs.get(channelId);
    const { channel, cached } = await tabs.recalled(channelId);
    if (cached) verification.cachedReads.add(channelId.toLowerCase());
    return channel;
  }
  async list(): Promise<Channel[]> {
    return (await this.tabs()).list();
  }
  async updateChannel(channelId: string, update: (current: Channel | undefined) => Channel | undefined): Promise<ChannelUpdateResult> {
    const tabs = await this.tabs();
    const verification = verifications.getStore();
    // The first update after a read from memory is the reservation decided on it: strict.
    if (!verification?.cachedReads.delete(channelId.toLowerCase())) return tabs.updateChannel(channelId, update);
    try {
      return await tabs.updateChannel(channelId, update, { strict: true });
    } catch (err) {
      if (err instanceof StaleChannelState) verification.stale = true;
      throw err;
    }
  }
}
