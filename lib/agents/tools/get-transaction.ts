import "server-only";
import { tool } from "ai";
import { erc20Abi, formatEther, formatUnits, getAddress, isAddressEqual, parseEventLogs, type Hash } from "viem";
import { z } from "zod";
import { explorerTxUrl, type Network } from "@/lib/chains/networks";
import { publicClientOf } from "@/lib/chains/rpc";
import { describeError } from "@/lib/errors";
import { HashInput } from "./inputs";

export const TransactionOutput = z.object({
  hash: z.string(),
  network: z.string(),
  status: z.enum(["success", "reverted", "pending"]),
  from: z.string(),
  to: z.string().nullable(),
  valueEth: z.string(),
  blockNumber: z.string().nullable(),
  usdcTransfers: z.array(z.object({ from: z.string(), to: z.string(), amount: z.string() })),
  explorerUrl: z.string().nullable(),
});

export function phraseTransaction(t: z.infer<typeof TransactionOutput>): string {
  const transfers = t.usdcTransfers.map((x) => ` It moved ${x.amount} USDC from ${x.from} to ${x.to}.`).join("");
  const block = t.blockNumber ? `, block ${t.blockNumber}` : "";
  return (
    `Transaction ${t.hash} (network ${t.network}): ${t.status}${block}, ` +
    `from ${t.from} to ${t.to ?? "a new contract"}, value ${t.valueEth} ETH.${transfers}`
  );
}

/** getTransaction: a transaction on the agent's network, with its status and the USDC it moved. */
export function getTransactionTool(network: Network) {
  const usdc = network.usdc;
  return tool({
    description: `A transaction on ${network.name}: sender, recipient, ETH value, status, block and USDC transfers.`,
    inputSchema: z.object({ hash: HashInput.describe("The 0x transaction hash") }),
    outputSchema: TransactionOutput,
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
  });
}
