/**
 * Local stand-ins for Base Sepolia and Base: an anvil chain with the network's chain id, and at the network's real
 * addresses what the app uses there. USDC is our LocalUSDC code signing under that USDC's EIP-712 domain (Base
 * Sepolia's is "USDC", Base's "USD Coin", version "2" on both), so x402 clients sign exactly as on the real network;
 * Multicall3 and the tab contracts sit at their canonical addresses. Lets the Base paths run with no outside chain.
 */
import { isAddressEqual, pad, type Address } from "viem";
import localUsdcJson from "../../contracts/artifacts/LocalUSDC.json" with { type: "json" };
import localUsdcNamedUsdcJson from "../../contracts/artifacts/LocalUSDC.USDC.json" with { type: "json" };
import deploymentJson from "../chains/local-deployment.json" with { type: "json" };
import { NETWORKS, type Network } from "../chains/networks";
import { installBatchSettlement } from "./batch-settlement";
import { clients, installMulticall3, parseContractArtifact, sameCode, type ContractArtifact } from "./deploy";

export type StandInKey = "base-sepolia" | "base";
export const STAND_IN_KEYS: readonly StandInKey[] = ["base-sepolia", "base"];

export function isStandInKey(value: unknown): value is StandInKey {
  return typeof value === "string" && (STAND_IN_KEYS as readonly string[]).includes(value);
}

/** What a stand-in holds, by address. */
export interface StandInDeployment {
  network: StandInKey;
  chainId: number;
  usdc: Address;
  /** The token's minter (anvil account #0), as on the local chain. */
  owner: Address;
  multicall3: Address;
  batchSettlement: Address;
  erc3009DepositCollector: Address;
}

/** LocalUSDC's code for each EIP-712 name (the name is a constant in the code: scripts/compile-contracts.ts). */
const TOKENS_BY_NAME: Record<string, () => ContractArtifact> = {
  "USD Coin": () => parseContractArtifact(localUsdcJson),
  USDC: () => parseContractArtifact(localUsdcNamedUsdcJson),
};

/** Our token's code as it stands in for this network's USDC: it signs under the same EIP-712 name. */
export function standInToken(network: Network): ContractArtifact {
  const token = TOKENS_BY_NAME[network.usdc.eip712Name];
  if (!token) throw new Error(`no stand-in token signs as "${network.usdc.eip712Name}" (${network.name})`);
  return token();
}

/** LocalUSDC keeps its minter in storage slot 0 (its first state variable; constants take no slot). */
const OWNER_SLOT = pad("0x0", { size: 32 });

/**
 * Makes the chain at rpcUrl a stand-in for `key`: checks its chain id, sets the contracts' code where it is missing
 * and the token's minter. Safe on every start: a saved state keeps its balances; other code at USDC's address throws.
 */
export async function ensureStandInContracts(rpcUrl: string, key: StandInKey): Promise<StandInDeployment> {
  const network = NETWORKS[key];
  const c = clients(rpcUrl, network.chainId);
  const chainId = await c.publicClient.getChainId();
  if (chainId !== network.chainId) {
    throw new Error(`the chain at ${rpcUrl} has id ${chainId}; a ${network.name} stand-in needs ${network.chainId}`);
  }
  await installMulticall3(c);
  const tabs = await installBatchSettlement(rpcUrl);

  const token = standInToken(network);
  const usdc = network.usdc.address;
  const code = await c.publicClient.getCode({ address: usdc });
  if (!code) {
    // The token's constructor only sets the owner: its code and that one slot are the whole deployed state.
    await c.testClient.setCode({ address: usdc, bytecode: token.deployedBytecode });
    await c.testClient.setStorageAt({ address: usdc, index: OWNER_SLOT, value: pad(deploymentJson.owner as Address, { size: 32 }) });
  } else if (!sameCode(code, token.deployedBytecode)) {
    throw new Error(
      `the chain at ${rpcUrl} has other code at ${usdc} than our ${network.name} USDC stand-in ` +
        "(its saved state predates a contract change): stop the chain and reset its state",
    );
  }
  const owner = await c.publicClient.readContract({ address: usdc, abi: OWNER_ABI, functionName: "owner" });
  if (!isAddressEqual(owner, deploymentJson.owner as Address)) throw new Error(`the USDC stand-in's owner is ${owner}, not anvil account #0`);
  return {
    network: key,
    chainId,
    usdc,
    owner,
    multicall3: deploymentJson.multicall3 as Address,
    batchSettlement: tabs.batchSettlement,
    erc3009DepositCollector: tabs.erc3009DepositCollector,
  };
}

const OWNER_ABI = [{ type: "function", name: "owner", stateMutability: "view", inputs: [], outputs: [{ type: "address" }] }] as const;
