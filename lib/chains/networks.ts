import { defineChain, type Address, type Chain } from "viem";
import localDeployment from "./local-deployment.json" with { type: "json" };

/**
 * The one table of networks. Everything else (wallet vaults, x402 quotes,
 * facilitator, tools, UI) reads chain facts from here.
 */

export type NetworkKey = "local" | "base-sepolia" | "base";
export type Caip2 = `eip155:${number}`;

/**
 * USDC has 6 decimals on every network in the table (the type holds each entry to it), so amounts that belong to
 * no one network, like the spending policy's limits, can use it.
 */
export const USDC_DECIMALS = 6;

export interface UsdcInfo {
  address: Address;
  /** EIP-712 domain name and version used by EIP-3009 signatures. */
  eip712Name: string;
  eip712Version: string;
  decimals: typeof USDC_DECIMALS;
}

export interface Network {
  key: NetworkKey;
  name: string;
  chainId: number;
  caip2: Caip2;
  /** x402 v1 names networks from a closed list; the local chain has no v1 name. */
  x402V1Name: "base-sepolia" | "base" | null;
  testnet: boolean;
  /** Environment variable that overrides the default RPC URL (server side). */
  rpcEnv: "LOCAL_RPC_URL" | "BASE_SEPOLIA_RPC_URL" | "BASE_RPC_URL";
  defaultRpcUrl: string;
  usdc: UsdcInfo;
  /** Chainlink AggregatorV3Interface feeds by pair. */
  priceFeeds: { "ETH/USD": Address };
  /** Block explorer root; null where there is none (the local chain). */
  explorerUrl: string | null;
  nativeCurrency: { name: string; symbol: string; decimals: 18 };
}

const ether = { name: "Ether", symbol: "ETH", decimals: 18 } as const;

export const NETWORKS: Record<NetworkKey, Network> = {
  local: {
    key: "local",
    name: "Local dev chain",
    chainId: 31337,
    caip2: "eip155:31337",
    x402V1Name: null,
    testnet: true,
    rpcEnv: "LOCAL_RPC_URL",
    defaultRpcUrl: "http://127.0.0.1:8545",
    usdc: {
      address: localDeployment.usdc as Address,
      eip712Name: "USD Coin",
      eip712Version: "2",
      decimals: 6,
    },
    priceFeeds: { "ETH/USD": localDeployment.priceFeed as Address },
    explorerUrl: null,
    nativeCurrency: ether,
  },
  "base-sepolia": {
    key: "base-sepolia",
    name: "Base Sepolia",
    chainId: 84532,
    caip2: "eip155:84532",
    x402V1Name: "base-sepolia",
    testnet: true,
    rpcEnv: "BASE_SEPOLIA_RPC_URL",
    defaultRpcUrl: "https://sepolia.base.org",
    usdc: {
      address: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
      eip712Name: "USDC",
      eip712Version: "2",
      decimals: 6,
    },
    priceFeeds: { "ETH/USD": "0x4aDC67696bA383F43DD60A9e78F2C97Fbbfc7cb1" },
    explorerUrl: "https://sepolia.basescan.org",
    nativeCurrency: ether,
  },
  base: {
    key: "base",
    name: "Base",
    chainId: 8453,
    caip2: "eip155:8453",
    x402V1Name: "base",
    testnet: false,
    rpcEnv: "BASE_RPC_URL",
    defaultRpcUrl: "https://mainnet.base.org",
    usdc: {
      address: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
      eip712Name: "USD Coin",
      eip712Version: "2",
      decimals: 6,
    },
    priceFeeds: { "ETH/USD": "0x71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70" },
    explorerUrl: "https://basescan.org",
    nativeCurrency: ether,
  },
};

export const NETWORK_LIST: readonly Network[] = [NETWORKS.local, NETWORKS["base-sepolia"], NETWORKS.base];

export const DEFAULT_NETWORK_KEY: NetworkKey = "local";

export function isNetworkKey(value: unknown): value is NetworkKey {
  return typeof value === "string" && value in NETWORKS;
}

export function networkByChainId(chainId: number): Network | undefined {
  return NETWORK_LIST.find((n) => n.chainId === chainId);
}

/** Accepts a CAIP-2 id ("eip155:84532") or an x402 v1 name ("base-sepolia"). */
export function networkByX402Id(id: string): Network | undefined {
  return NETWORK_LIST.find((n) => n.caip2 === id || (n.x402V1Name !== null && n.x402V1Name === id));
}

export function explorerTxUrl(network: Network, txHash: string): string | null {
  return network.explorerUrl ? `${network.explorerUrl}/tx/${txHash}` : null;
}

export function explorerAddressUrl(network: Network, address: string): string | null {
  return network.explorerUrl ? `${network.explorerUrl}/address/${address}` : null;
}

/** A viem chain for a network, served by the given RPC URL. */
export function viemChainOf(network: Network, rpcUrl: string): Chain {
  return defineChain({
    id: network.chainId,
    name: network.name,
    nativeCurrency: network.nativeCurrency,
    rpcUrls: { default: { http: [rpcUrl] } },
    blockExplorers: network.explorerUrl ? { default: { name: "Basescan", url: network.explorerUrl } } : undefined,
    testnet: network.testnet,
  });
}
