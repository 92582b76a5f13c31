/**
 * One transaction as the in-app view shows it (/tx/:hash, the local chain's stand-in for an explorer): its
 * outcome, block and the network's USDC transfers in it, read from the chain through any viem client (in the
 * browser, the app's read-only relay, lib/x402/payer/chain-reader.ts).
 */
import { getAddress, isAddressEqual, parseAbi, parseEventLogs, type Address, type Hex } from "viem";
import type { Network } from "@/lib/chains/networks";
import type { ChainReader } from "@/lib/x402/payer/receipt-check";

const tokenAbi = parseAbi(["event Transfer(address indexed from, address indexed to, uint256 value)"]);

export interface UsdcTransfer {
  from: Address;
  to: Address;
  /** Atomic units. */
  value: bigint;
}

export type TransactionView =
  | { found: false; hash: Hex }
  | {
      found: true;
      hash: Hex;
      status: "success" | "reverted";
      blockNumber: bigint;
      /** Unix seconds; null when the block could not be read. */
      timestamp: bigint | null;
      /** Who sent it (for an x402 payment, the facilitator that settled it). */
      sender: Address;
      /** The contract called (for an x402 payment, the USDC token). */
      to: Address | null;
      gasUsed: bigint;
      /** The USDC moved, in log order: the payer is `from`, the payee `to`. */
      transfers: UsdcTransfer[];
      /** Logs of other contracts, or other events, left out of the view. */
      otherLogs: number;
    };

export async function readTransaction(chain: ChainReader, network: Network, hash: Hex): Promise<TransactionView> {
  let receipt;
  try {
    receipt = await chain.getTransactionReceipt({ hash });
  } catch (err) {
    if ((err as Error).name === "TransactionReceiptNotFoundError") return { found: false, hash };
    throw err;
  }
  const usdcLogs = receipt.logs.filter((log) => isAddressEqual(log.address, network.usdc.address));
  const transfers = parseEventLogs({ abi: tokenAbi, logs: usdcLogs, eventName: "Transfer" }).map((l) => ({ from: l.args.from, to: l.args.to, value: l.args.value }));
  const block = await chain.getBlock({ blockNumber: receipt.blockNumber }).catch(() => null);
  return {
    found: true,
    hash,
    status: receipt.status,
    blockNumber: receipt.blockNumber,
    timestamp: block?.timestamp ?? null,
    sender: getAddress(receipt.from),
    to: receipt.to && getAddress(receipt.to),
    gasUsed: receipt.gasUsed,
    transfers,
    otherLogs: receipt.logs.length - transfers.length,
  };
}
