import { connectorsForWallets, type Wallet, type WalletList } from "@rainbow-me/rainbowkit";
import {
  coinbaseWallet,
  injectedWallet,
  metaMaskWallet,
  walletConnectWallet,
} from "@rainbow-me/rainbowkit/wallets";
import { getAddress, http, isAddress, type Address, type Chain } from "viem";
import { createConfig, createConnector, mock, type Config } from "wagmi";
import { reconnect } from "wagmi/actions";
import { storageKeys } from "@/lib/browser/keys";
import { NETWORK_LIST, viemChainOf } from "@/lib/chains/networks";
import { publicEnv } from "@/lib/public-env";
import { bridgeExternalWallet } from "./bridge";

const LOCAL_CHAIN_ID = 31337;
const ICON = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 28 28'%3E%3Crect width='28' height='28' rx='6' fill='%2318181b'/%3E%3Ctext x='14' y='19' font-size='13' text-anchor='middle' fill='white' font-family='sans-serif'%3E402%3C/text%3E%3C/svg%3E";

export const rpcProxyUrl = (chainId: number) => `${window.location.origin}/api/rpc/${chainId}`;

/**
 * The e2e mock wallet, only when a test put its flag (`{address, rpcUrl}` of an unlocked anvil account) in
 * localStorage, only for the local chain, and only pointing at a loopback node: wagmi's mock connector has the
 * node sign (anvil's unlocked accounts), which is meaningless anywhere but a dev chain on this machine.
 */
function e2eMockWallet(): { address: Address; rpcUrl: string } | null {
  try {
    const flag = JSON.parse(window.localStorage.getItem(storageKeys.e2eMockWallet) ?? "null") as { address?: string; rpcUrl?: string } | null;
    if (!flag?.address || !flag.rpcUrl || !isAddress(flag.address)) return null;
    const url = new URL(flag.rpcUrl);
    if (url.protocol !== "http:" || !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) return null;
    return { address: getAddress(flag.address), rpcUrl: url.origin };
  } catch {
    return null;
  }
}

let shared: Config | undefined;

/**
 * The page's one wagmi config, built when the external wallets first load and kept while the page lives: a
 * connection must outlast the wallet panel (which unmounts when closed), since the chat may pay with it.
 */
export function sharedWagmiConfig(): Config {
  if (!shared) {
    shared = buildWagmiConfig();
    bridgeExternalWallet(shared);
    // What WagmiProvider does on mount, done once here: every later mount of the panel reuses this connection.
    void reconnect(shared);
  }
  return shared;
}

/**
 * The wagmi config: our chains read through the app's read-only relay, and the wallets RainbowKit lists. The local
 * wallet is not among them: it is this app's own, not an external one, and funding it from itself means nothing.
 */
function buildWagmiConfig() {
  const e2e = e2eMockWallet();
  // In the e2e mock mode the local chain talks to anvil directly (the mock sends transactions through its RPC);
  // otherwise every chain is read through the relay and the wallets sign and send themselves. The local chain
  // is first in NETWORK_LIST, which is where the mock connector starts.
  const chains = NETWORK_LIST.map((n) =>
    viemChainOf(n, e2e && n.chainId === LOCAL_CHAIN_ID ? e2e.rpcUrl : rpcProxyUrl(n.chainId)),
  ) as [Chain, ...Chain[]];

  const mockWallet = (m: { address: Address }) => (): Wallet => ({
    id: "e2e-mock",
    name: "E2E mock wallet",
    iconUrl: ICON,
    iconBackground: "#71717a",
    installed: true,
    createConnector: (details) =>
      createConnector((config) => ({ ...mock({ accounts: [m.address] })(config), ...details })),
  });

  const projectId = publicEnv.walletConnectProjectId ?? "";
  // Without a WalletConnect project id RainbowKit can reach MetaMask only through its extension (it would throw
  // otherwise), and WalletConnect not at all; any other extension wallet is offered as "Browser Wallet".
  const hasMetaMask = (window as { ethereum?: { isMetaMask?: boolean } }).ethereum?.isMetaMask === true;
  const wallets: WalletList[number]["wallets"] = projectId
    ? [metaMaskWallet, coinbaseWallet, walletConnectWallet]
    : [hasMetaMask ? metaMaskWallet : injectedWallet, coinbaseWallet];
  if (e2e) wallets.push(mockWallet(e2e));

  const connectors = connectorsForWallets([{ groupName: "Wallets", wallets }], {
    appName: "x402 Chat",
    projectId: projectId || "walletconnect-not-configured",
  });
  return createConfig({
    chains,
    connectors,
    transports: Object.fromEntries(chains.map((c) => [c.id, http(c.rpcUrls.default.http[0])])),
    ssr: false,
  });
}
