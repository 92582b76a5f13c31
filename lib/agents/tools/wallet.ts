import "server-only";
import { tool } from "ai";
import {
  erc20Abi,
  formatEther,
  formatUnits,
  getAddress,
  isAddress,
  isAddressEqual,
  isHash,
  parseEventLogs,
  type Hash,
} from "viem";
import { z } from "zod";
import { NETWORKS, explorerTxUrl, type NetworkKey } from "@/lib/chains/networks";
import { publicClientOf } from "@/lib/chains/rpc";
import { describeError } from "@/lib/errors";

const AddressInput = z
  .string()
  .refine((value) => isAddress(value), "not a 0x address (40 hex digits, valid checksum if mixed-case)");
const HashInput = z.string().refine((value) => isHash(value), "not a transaction hash (0x and 64 hex digits)");

/** Read-only wallet lookups on the agent's network: ETH and USDC balances, and transactions. */
export function walletTools({ network: key }: { network: NetworkKey }) {
  const network = NETWORKS[key];
  const usdc = network.usdc;

  return {
    getBalances: tool({
      description: `ETH and USDC balances of an address on ${network.name}.`,
      inputSchema: z.object({ address: AddressInput.describe("The 0x address to look up") }),
      execute: async ({ address }) => {
        const account = getAddress(address);
        const rpc = publicClientOf(network);
        try {
          // Both balances at one block, so they describe the same moment.
          const blockNumber = await rpc.getBlockNumber();
          const [wei, usdcAtomic] = await Promise.all([
            rpc.getBalance({ address: account, blockNumber }),
            rpc.readContract({
              address: usdc.address,
              abi: erc20Abi,
              functionName: "balanceOf",
              args: [account],
              blockNumber,
            }),
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
    }),
    getTransaction: tool({
      description: `A transaction on ${network.name}: sender, recipient, ETH value, status, block and USDC transfers.`,
      inputSchema: z.object({ hash: HashInput.describe("The 0x transaction hash") }),
      execute: async ({ hash }) => {
        const txHash = hash as Hash;
        const rpc = publicClientOf(network);
        try {
          const tx = await rpc.getTransaction({ hash: txHash });
          // A pending transaction has no receipt yet, hence no status or logs.
          const receipt = tx.blockNumber === null ? null : await rpc.getTransactionReceipt({ hash: txHash });
          const transfers = receipt
            ? parseEventLogs({ abi: erc20Abi, eventName: "Transfer", logs: receipt.logs }).filter((log) =>
                isAddressEqual(log.address, usdc.address),
              )
            : [];
          return {
            hash: txHash,
            network: network.key,
            status: receipt ? receipt.status : "pending",
            // Checksummed like the log addresses, so the same account reads the same everywhere.
            from: getAddress(tx.from),
            to: tx.to && getAddress(tx.to),
            valueEth: formatEther(tx.value),
            blockNumber: tx.blockNumber?.toString() ?? null,
            usdcTransfers: transfers.map(({ args }) => ({
              from: args.from,
              to: args.to,
              amount: formatUnits(args.value, usdc.decimals),
            })),
            explorerUrl: explorerTxUrl(network, txHash),
          };
        } catch (error) {
          throw new Error(`Could not look up transaction ${txHash} on ${network.name}: ${describeError(error)}`);
        }
      },
    }),
  };
}
