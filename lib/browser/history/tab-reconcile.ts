/**
 * The history's tabs checked against the chain: `channels(channelId)` on the batch-settlement contract for each tab
 * in the history, compared with its rows (tab-history.ts reconcileTab). Loaded by the history page on demand: it
 * brings the contract's address and ABI (tab-withdraw.ts), which the chat's first load does without.
 */
import type { Hex } from "viem";
import { tabOnChain } from "@/lib/x402/payer/tab-withdraw";
import type { PaymentRecord } from "./payments";
import { reconcileTab, tabTotals, type Reconciliation } from "./tab-history";

type Reader = Parameters<typeof tabOnChain>[0];

/** One verdict per tab of the records; a tab whose channel could not be read is left out (tried again later). */
export async function reconcileTabs(records: readonly PaymentRecord[], reader: Reader): Promise<Reconciliation[]> {
  const verdicts = await Promise.all(
    tabTotals(records).map(async (totals) => {
      try {
        const { balance, totalClaimed } = await tabOnChain(reader, totals.channelId as Hex, 0);
        return reconcileTab(totals, { balance, totalClaimed });
      } catch {
        return null; // the chain is unreachable now
      }
    }),
  );
  return verdicts.filter((v): v is Reconciliation => v !== null);
}
