/**
 * The browser's check of a tab's deposit, with the chain as the judge: the transaction the agent names on a tab's
 * first receipt is called the deposit only if it succeeded and, in it, the channel contract credited this channel
 * with the deposit's amount through the ERC-3009 deposit collector (`Deposited`), and the token moved that amount
 * from this payer (`Transfer`). Whoever sent it (the facilitator sponsors gas) does not matter.
 */
import { BATCH_SETTLEMENT_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_ADDRESS } from "@x402/evm";
import { isAddressEqual, parseAbi, parseEventLogs, type Address, type Hex } from "viem";
import type { ChainReader } from "./receipt-check";

const depositAbi = parseAbi([
  "event Deposited(bytes32 indexed channelId, address indexed sender, address indexed collector, uint128 amount, uint128 balance)",
  "event Transfer(address indexed from, address indexed to, uint256 value)",
]);

export interface TabDepositClaim {
  transaction: string | undefined;
  channelId: string;
  payer: string;
  /** The USDC contract of the tab. */
  token: string;
  /** What the deposit the client signed was for (atomic). */
  amount: bigint;
}

export type TabDepositCheck = { ok: true; transaction: Hex } | { ok: false; reason: string };

export async function checkTabDeposit(chain: Pick<ChainReader, "getTransactionReceipt">, claim: TabDepositClaim): Promise<TabDepositCheck> {
  const { transaction } = claim;
  if (!transaction) return { ok: false, reason: "the agent named no deposit transaction" };
  if (!/^0x[0-9a-fA-F]{64}$/.test(transaction)) return { ok: false, reason: "the agent's deposit transaction is not a transaction hash" };
  let receipt;
  try {
    receipt = await chain.getTransactionReceipt({ hash: transaction as Hex });
  } catch (err) {
    if ((err as Error).name === "TransactionReceiptNotFoundError") return { ok: false, reason: "the agent's deposit transaction is not on chain" };
    throw err;
  }
  if (receipt.status !== "success") return { ok: false, reason: "the agent's deposit transaction reverted" };
  const logs = parseEventLogs({ abi: depositAbi, logs: receipt.logs });
  const credited = logs.some(
    (l) =>
      l.eventName === "Deposited" &&
      isAddressEqual(l.address, BATCH_SETTLEMENT_ADDRESS) &&
      l.args.channelId.toLowerCase() === claim.channelId.toLowerCase() &&
      isAddressEqual(l.args.collector, ERC3009_DEPOSIT_COLLECTOR_ADDRESS) &&
      l.args.amount === claim.amount,
  );
  if (!credited) return { ok: false, reason: "the agent's transaction did not credit this tab with its deposit" };
  const paid = logs.some(
    (l) =>
      l.eventName === "Transfer" &&
      isAddressEqual(l.address, claim.token as Address) &&
      isAddressEqual(l.args.from, claim.payer as Address) &&
      l.args.value === claim.amount,
  );
  if (!paid) return { ok: false, reason: "the agent's transaction did not move the deposit from your wallet" };
  return { ok: true, transaction: transaction as Hex };
}
