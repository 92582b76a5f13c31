import { erc20Abi, isAddressEqual, pad, parseEventLogs, type Address, type Hash } from "viem";
import { NETWORKS } from "../../lib/chains/networks";
import { chain } from "./chain";

/** The chain's head now (viem caches the block number for seconds by default: a block mined since would be missed). */
export const head = () => chain.getBlockNumber({ cacheTime: 0 });

/** One transaction that touched a wallet: sent by it or to it, or with a log that names it (a Transfer, an authorization used, …). */
export interface WalletTransaction {
  hash: Hash;
  block: bigint;
  /** Its USDC Transfers that move the wallet's money, in atomic units. */
  usdcOut: bigint;
  usdcIn: bigint;
}

/**
 * Every transaction in blocks (from, to] that touched `wallet`, read block by block from the run's anvil: not only
 * its USDC Transfers, so a transaction the wallet sent for any other reason (an approval, a withdrawal, gas) counts too.
 */
export async function walletTransactions(wallet: Address, from: bigint, to: bigint): Promise<WalletTransaction[]> {
  const topic = pad(wallet.toLowerCase() as Address);
  const found: WalletTransaction[] = [];
  for (let number = from + 1n; number <= to; number += 1n) {
    const block = await chain.getBlock({ blockNumber: number, includeTransactions: true });
    for (const tx of block.transactions) {
      const receipt = await chain.getTransactionReceipt({ hash: tx.hash });
      const sentOrReceived = isAddressEqual(tx.from, wallet) || (tx.to !== null && isAddressEqual(tx.to, wallet));
      const named = receipt.logs.some((log) => log.topics.some((t) => t?.toLowerCase() === topic));
      if (!sentOrReceived && !named) continue;
      const transfers = parseEventLogs({ abi: erc20Abi, logs: receipt.logs, eventName: "Transfer" }).filter((l) => isAddressEqual(l.address, NETWORKS.local.usdc.address));
      const sum = (side: "from" | "to") => transfers.filter((t) => isAddressEqual(t.args[side], wallet)).reduce((total, t) => total + t.args.value, 0n);
      found.push({ hash: tx.hash, block: number, usdcOut: sum("from"), usdcIn: sum("to") });
    }
  }
  return found;
}
