/**
 * A tab's streamed reply as the chat shows it. The agent's `data-receipt` is only a claim: it goes to the tab
 * client (`settled`), which checks it against the voucher it signed, and the receipt the chat sees is rebuilt from
 * what the tab adopted (the charge, the voucher's maximum, the tab's total and balance). A tab receipt never goes
 * through the on-chain check of `exact` payments: a voucher moves nothing on chain (only the deposit does).
 */
import { explorerTxUrl, type Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { relayReader } from "@/lib/x402/payer/chain-reader";
import type { ChainReader } from "@/lib/x402/payer/receipt-check";
import type { TabCharge } from "@/lib/x402/payer/tab-client";
import { checkTabDeposit, type TabDepositCheck } from "@/lib/x402/payer/tab-deposit-check";
import { TabStopped } from "@/lib/x402/payer/tab-client";
import { forward, rewriteUiStream, sseData } from "@/lib/x402/payer/ui-stream";
import type { Receipt } from "@/lib/x402/shared/receipt";

export interface TabSettle {
  settled(receipt: Receipt | null): Promise<void>;
}

/**
 * The receipt of one tab charge, from what the tab adopted. The deposit's transaction is the agent's word: it is
 * called the deposit only when `deposit` (the browser's check on chain) says so; otherwise it is kept as the
 * transaction the agent named, with why it did not check out.
 */
export function tabReceipt(claim: Partial<Receipt>, charge: TabCharge, network: Network, deposit?: TabDepositCheck): Receipt {
  const named = charge.deposit !== undefined && typeof claim.tab?.depositTransaction === "string" ? claim.tab.depositTransaction : undefined;
  const verified = named && deposit?.ok ? deposit.transaction : undefined;
  const problem = named && deposit && !deposit.ok ? deposit.reason : named && !deposit ? "not checked on chain" : undefined;
  return {
    paymentId: typeof claim.paymentId === "string" ? claim.paymentId : `${charge.channelId}:${charge.chargedCumulative}`,
    success: true,
    transaction: verified ?? "",
    network: network.caip2,
    chainId: network.chainId,
    payer: charge.payer ?? (typeof claim.payer === "string" ? claim.payer : ""),
    payTo: typeof claim.payTo === "string" ? claim.payTo : "",
    asset: network.usdc.address,
    amount: charge.charged.toString(),
    amountDisplay: formatUsdc(charge.charged, network.usdc.decimals),
    explorerUrl: verified ? explorerTxUrl(network, verified) : null,
    ...(problem && named && { claimedTransaction: named }),
    tab: {
      channelId: charge.channelId,
      chargedAmount: charge.charged.toString(),
      chargedCumulativeAmount: charge.chargedCumulative.toString(),
      balance: charge.balance.toString(),
      maxAmount: charge.maxAmount.toString(),
      ...(verified && { depositTransaction: verified }),
      ...(problem && { depositProblem: problem }),
    },
  };
}

/** The chain check of the deposit a charge carried, against the transaction the agent named for it. */
export async function checkChargeDeposit(chain: Pick<ChainReader, "getTransactionReceipt"> | (() => Pick<ChainReader, "getTransactionReceipt">), claim: Partial<Receipt>, charge: TabCharge, network: Network): Promise<TabDepositCheck> {
  return Promise.resolve()
    .then(() => checkTabDeposit(typeof chain === "function" ? chain() : chain, {
    transaction: typeof claim.tab?.depositTransaction === "string" ? claim.tab.depositTransaction : undefined,
    channelId: charge.channelId,
    payer: charge.payer ?? "",
    token: network.usdc.address,
    amount: charge.deposit ?? 0n,
  }))
    .catch((err: Error) => ({ ok: false as const, reason: `the chain could not be read (${err.message})` }));
}

/**
 * `res` with its receipt replaced by the tab's own: `charges()` returns the charge the tab adopted from the claim
 * (set by its onCharge). A claim that fails the tab's checks ends the reply in an error saying so (`data-error`, then
 * the stream's error), with no receipt.
 */
export function tabReceipts(
  res: Response,
  tab: TabSettle,
  lastCharge: () => TabCharge | null,
  network: Network,
  chain: () => Pick<ChainReader, "getTransactionReceipt"> = () => relayReader(network.chainId),
): Response {
  return rewriteUiStream(res, async (event, controller) => {
    const chunk = event.chunk;
    if (chunk?.type !== "data-receipt") return forward(event, controller);
    const claim = (typeof chunk.data === "object" && chunk.data !== null ? chunk.data : {}) as Partial<Receipt>;
    try {
      await tab.settled(claim as Receipt);
    } catch (err) {
      const message = err instanceof TabStopped ? err.message : `The tab could not take this charge: ${(err as Error).message}`;
      controller.enqueue(sseData({ type: "data-error", data: { code: err instanceof TabStopped ? err.reason : "tab_seller_misbehaved", message } as never, transient: true }));
      // The reply ends in an error the chat shows (not a reply that looks paid): the tab signs nothing more.
      controller.error(err instanceof TabStopped ? err : new TabStopped("tab_seller_misbehaved", message));
      return;
    }
    const charge = lastCharge();
    // Not charged (the agent says so): its words are kept, there is nothing to show as paid.
    if (!claim.success || !charge) {
      controller.enqueue(sseData({ type: "data-receipt", data: { ...(claim as Receipt), success: false, tab: undefined, error: claim.error ?? "not charged" } }));
      return;
    }
    // A message that carried the deposit: its transaction is checked on chain before the receipt calls it one.
    const deposit = charge.deposit !== undefined && claim.tab?.depositTransaction !== undefined ? await checkChargeDeposit(chain, claim, charge, network) : undefined;
    controller.enqueue(sseData({ type: "data-receipt", data: tabReceipt(claim, charge, network, deposit) }));
  });
}
