import "server-only";
import { tool } from "ai";
import { erc20Abi, formatEther, formatUnits, getAddress } from "viem";
import { z } from "zod";
import type { Network } from "@/lib/chains/networks";
import { publicClientOf } from "@/lib/chains/rpc";
import { describeError } from "@/lib/errors";
import { AddressInput } from "./inputs";

export const BalancesOutput = z.object({
  address: z.string(),
  network: z.string(),
  eth: z.string(),
  usdc: z.string(),
  usdcToken: z.string(),
  blockNumber: z.string(),
});

export function phraseBalances(b: z.infer<typeof BalancesOutput>): string {
  return `${b.address} holds ${b.eth} ETH and ${b.usdc} USDC (network ${b.network}, block ${b.blockNumber}).`;
}

/** getBalances: an address's ETH and USDC balances on the agent's network, read at one block. */
export function getBalancesTool(network: Network) {
  const usdc = network.usdc;
  return tool({
    description: `ETH and USDC balances of an address on ${network.name}.`,
    inputSchema: z.object({ address: AddressInput.describe("The 0x address to look up") }),
    outputSchema: BalancesOutput,
    execute: async ({ address }) => {
      const account = getAddress(address);
      const rpc = publicClientOf(network);
      try {
        // Both balances at one block, so they describe the same moment.
        const blockNumber = await rpc.getBlockNumber();
        const [wei, usdcAtomic] = await Promise.all([
          rpc.getBalance({ address: account, blockNumber }),
          rpc.readContract({ address: usdc.address, abi: erc20Abi, functionName: "balanceOf", args: [account], blockNumber }),
        ]);
        return {
          address: account,
          network: network.key,
          eth: formatEther(wei),
          usdc: formatUnits(usdcAtomic, usdc.decimals),
          usdcToken: usdc.address,
          blockNumber: blockNumber.toString(),
        };
      } catch (error) {
        throw new Error(`Could not read the balances of ${account} on ${network.name}: ${describeError(error)}`);
      }
    },
  });
}
