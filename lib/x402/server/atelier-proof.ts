import "server-only";
import { isAddressEqual, parseEventLogs, erc20Abi, type Address, type Hex, type PublicClient } from "viem";
import type { Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";

/**
 * The proof of a payment by transfer (Atelier's pay-then-prove): a transaction hash, judged on chain. It pays if
 * the transaction succeeded and its token's `Transfer` logs moved at least the price of this network's USDC to
 * the agent's payTo, in a block no older than MAX_TRANSFER_AGE_SECONDS by the chain's clock (an old transfer to a popular payee is not
 * a proof that someone paid for this message now). Whether the hash was used before is the ledger's to say.
 */

/** A transfer older than this is not accepted: an hour is ample to send a transfer and then the request. */
export const MAX_TRANSFER_AGE_SECONDS = 3_600;

export type TransferReader = Pick<PublicClient, "getTransactionReceipt" | "getBlock">;

export type TransferCheck =
  | { ok: true; payer: Address; amount: bigint; blockNumber: bigint }
  | { ok: false; code: "transfer_not_found" | "transfer_failed" | "transfer_insufficient" | "transfer_too_old"; message: string; missing?: bigint };

export async function checkTransfer(
  chain: TransferReader,
  opts: { network: Network; txHash: Hex; payTo: Address; price: bigint },
): Promise<TransferCheck> {
  const { network, txHash, payTo, price } = opts;
  const usdc = (atomic: bigint) => formatUsdc(atomic, network.usdc.decimals);
  let receipt;
  try {
    receipt = await chain.getTransactionReceipt({ hash: txHash });
  } catch (err) {
    if ((err as Error).name !== "TransactionReceiptNotFoundError") throw err;
    return { ok: false, code: "transfer_not_found", message: `Transaction ${txHash} is not mined on ${network.name} (yet): send it, wait for its receipt, then ask again.` };
  }
  if (receipt.status !== "success") return { ok: false, code: "transfer_failed", message: `Transaction ${txHash} reverted on ${network.name}: it paid nothing.` };
  const transfers = parseEventLogs({
    abi: erc20Abi,
    eventName: "Transfer",
    logs: receipt.logs.filter((log) => isAddressEqual(log.address, network.usdc.address)),
  }).filter((log) => isAddressEqual(log.args.to, payTo));
  const amount = transfers.reduce((sum, log) => sum + log.args.value, 0n);
  if (amount === 0n) {
    return { ok: false, code: "transfer_insufficient", message: `Transaction ${txHash} moved no ${network.name} USDC to ${payTo}; this message costs ${usdc(price)}.`, missing: price };
  }
  if (amount < price) {
    return {
      ok: false,
      code: "transfer_insufficient",
      message: `Transaction ${txHash} paid ${usdc(amount)} to ${payTo}; this message costs ${usdc(price)}: ${usdc(price - amount)} is missing.`,
      missing: price - amount,
    };
  }
  // Age by the chain's own clock: its latest block against the transfer's.
  const [block, head] = await Promise.all([chain.getBlock({ blockNumber: receipt.blockNumber }), chain.getBlock({ blockTag: "latest" })]);
  const ageSeconds = head.timestamp - block.timestamp;
  if (ageSeconds > BigInt(MAX_TRANSFER_AGE_SECONDS)) {
    return { ok: false, code: "transfer_too_old", message: `Transaction ${txHash} is ${ageSeconds} s old; a transfer is accepted for ${MAX_TRANSFER_AGE_SECONDS} s.` };
  }
  return { ok: true, payer: transfers[0]!.args.from, amount, blockNumber: receipt.blockNumber };
}
