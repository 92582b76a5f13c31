/**
 * Closing a tab from anywhere in the app (the chat's tab bar, the side panel's open tabs): the cooperative refund
 * through the agent's route, signed by the tab's session key (derived again from the paying wallet if this page has
 * not yet), and the unused part of the deposit given back to the budgets it was reserved from.
 */
import type { Network } from "@/lib/chains/networks";
import { PROXY_CLIENT_HEADER, PROXY_PATH } from "@/lib/remote-agents/proxy-header";
import { readPolicy, readSpent } from "@/lib/x402/payer/policy";
import type { TabClient } from "@/lib/x402/payer/tab-client";
import { TabClient as Client } from "@/lib/x402/payer/tab-client";
import { tabRefunded } from "@/lib/x402/payer/tab-ledger";
import { tabStorage } from "@/lib/x402/payer/tab-store";
import { tabWallet } from "./paying-wallet";

const stores = () => ({ local: window.localStorage, session: window.sessionStorage });

export async function closeTab(network: Network, url: string, client?: TabClient): Promise<{ refunded: bigint; transaction: string; channelId: string }> {
  const tab =
    client ??
    new Client({
      network,
      wallet: tabWallet(network),
      storage: tabStorage(network.chainId),
      policy: () => ({ policy: readPolicy(window.localStorage), spent: readSpent(stores(), network.chainId) }),
    });
  // A pasted agent's tab is reached through the proxy, which serves the chat's own requests only (its header).
  const proxied = new URL(url, window.location.origin).pathname === PROXY_PATH;
  const result = await tab.close(url, proxied ? { [PROXY_CLIENT_HEADER.name]: PROXY_CLIENT_HEADER.value } : {});
  // The deposit was reserved when it was sent: what is left of it is released, and the refund gets its history row.
  tabRefunded(network, { channelId: result.channelId, refunded: result.refunded, transaction: result.transaction });
  return result;
}
