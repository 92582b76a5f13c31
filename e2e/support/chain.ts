import { createPublicClient, erc20Abi, http, type Address } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { NETWORKS } from "../../lib/chains/networks";

/**
 * The e2e run's anvil (global-setup starts it), read directly by the specs. No cache: viem otherwise answers the
 * block number from a cache up to 4 s old, so a spec's "from this block on" could start before the faucet's mint.
 */
export const chain = createPublicClient({ transport: http(process.env.E2E_ANVIL_RPC_URL), cacheTime: 0 });

export const usdcOf = (address: Address) =>
  chain.readContract({ address: NETWORKS.local.usdc.address, abi: erc20Abi, functionName: "balanceOf", args: [address] });

/** USDC transfers on chain from or to `address` since `fromBlock`. */
export async function transfers(address: Address, fromBlock: bigint) {
  const logs = (side: "from" | "to") =>
    chain.getContractEvents({ address: NETWORKS.local.usdc.address, abi: erc20Abi, eventName: "Transfer", args: { [side]: address }, fromBlock });
  return { out: await logs("from"), in: await logs("to") };
}

export async function chainBalances(address: Address) {
  return { usdc: await usdcOf(address), eth: await chain.getBalance({ address }) };
}

// Anvil's dev account #2: unlocked on anvil, so wagmi's mock connector can sign and send from it through the node.
export const ANVIL_ACCOUNT_2 = privateKeyToAddress("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");

