import "server-only";
import { erc20Abi, type Address } from "viem";
import type { Network } from "@/lib/chains/networks";
import { publicClientOf } from "@/lib/chains/rpc";

export interface Balances {
  chainId: number;
  address: Address;
  /** USDC in atomic units (6 decimals), as a decimal string since JSON has no bigint. */
  usdc: string;
  /** ETH in wei, as a decimal string. */
  eth: string;
  blockNumber: string;
}

/** USDC and ETH of an address, both read at the same block so they are consistent with each other. */
export async function readBalances(network: Network, address: Address): Promise<Balances> {
  const client = publicClientOf(network, { timeoutMs: 5_000 });
  // cacheTime 0: viem would otherwise reuse a head seen up to 4 s ago and miss a payment just made.
  const blockNumber = await client.getBlockNumber({ cacheTime: 0 });
  const [usdc, eth] = await Promise.all([
    client.readContract({
      address: network.usdc.address,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [address],
      blockNumber,
    }),
    client.getBalance({ address, blockNumber }),
  ]);
  return { chainId: network.chainId, address, usdc: usdc.toString(), eth: eth.toString(), blockNumber: blockNumber.toString() };
}
