/**
 * The wallet's own way out of a tab, which needs neither the seller nor the session key: a timed withdrawal on the
 * channel contract. The wallet asks for it (initiateWithdraw); the seller has the channel's withdraw delay to
 * claim what it charged; then the wallet finishes it (finalizeWithdraw) and gets the rest. The channel's config is
 * kept with the tab (tab-store.ts), so this works even when the session key cannot be derived again.
 * Both are transactions of the wallet (it pays their gas), unlike the cooperative refund (tab-client.ts close).
 */
import { BATCH_SETTLEMENT_ADDRESS } from "@x402/evm";
import { getAddress, parseAbi, type Hex } from "viem";
import type { TabChannelConfig as ChannelConfig } from "./tab-store";

export const tabChannelAbi = parseAbi([
  "struct ChannelConfig { address payer; address payerAuthorizer; address receiver; address receiverAuthorizer; address token; uint40 withdrawDelay; bytes32 salt; }",
  "function initiateWithdraw(ChannelConfig config, uint128 amount)",
  "function finalizeWithdraw(ChannelConfig config)",
  "function channels(bytes32 channelId) view returns (uint128 balance, uint128 totalClaimed)",
  "function pendingWithdrawals(bytes32 channelId) view returns (uint128 amount, uint40 initiatedAt)",
]);

/** A tab as the chain has it, with its withdrawal under way if any. Amounts atomic; times Unix seconds. */
export interface TabOnChain {
  balance: bigint;
  totalClaimed: bigint;
  withdrawal: { amount: bigint; initiatedAt: number; readyAt: number } | null;
}

interface Reader {
  readContract(args: { address: Hex; abi: readonly unknown[]; functionName: string; args?: readonly unknown[] }): Promise<unknown>;
}

export async function tabOnChain(reader: Reader, channelId: Hex, withdrawDelay: number): Promise<TabOnChain> {
  const address = getAddress(BATCH_SETTLEMENT_ADDRESS);
  const [[balance, totalClaimed], [amount, initiatedAt]] = (await Promise.all([
    reader.readContract({ address, abi: tabChannelAbi, functionName: "channels", args: [channelId] }),
    reader.readContract({ address, abi: tabChannelAbi, functionName: "pendingWithdrawals", args: [channelId] }),
  ])) as [[bigint, bigint], [bigint, number]];
  const started = Number(initiatedAt);
  return { balance, totalClaimed, withdrawal: started > 0 ? { amount, initiatedAt: started, readyAt: started + withdrawDelay } : null };
}

/** The wallet's call that starts the withdrawal of `amount` (all of the balance, to leave the tab). */
export function requestWithdrawal(config: ChannelConfig, amount: bigint) {
  return { address: getAddress(BATCH_SETTLEMENT_ADDRESS), abi: tabChannelAbi, functionName: "initiateWithdraw" as const, args: [config, amount] as const };
}

/** The wallet's call that ends the withdrawal once its delay is over: what the seller did not claim comes back. */
export function finishWithdrawal(config: ChannelConfig) {
  return { address: getAddress(BATCH_SETTLEMENT_ADDRESS), abi: tabChannelAbi, functionName: "finalizeWithdraw" as const, args: [config] as const };
}
