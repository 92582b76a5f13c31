/**
 * A tab's money in the browser's books, in one place for the chat's transport and the tab controls: the budgets
 * (policy.ts: a deposit is reserved, each charge moves from reserved to spent, a refund releases the rest) and the
 * history rows (tab-history.ts: deposit, each charge, refund). `tabLedger(network, stores)` works on any storage
 * (tests); the named functions use the page's.
 */
import type { Network } from "@/lib/chains/networks";
import type { KeyValue } from "@/lib/browser/store";
import { paymentsStore } from "@/lib/browser/history/store";
import { recordTabEvent, settleTabDeposit } from "@/lib/browser/history/tab-history";
import { chargeReservation, releaseReservation, reserveDeposit } from "./policy";
import type { TabCharge } from "./tab-client";

export interface LedgerStores {
  local: KeyValue;
  session: KeyValue;
}

export interface TabAgent {
  agentId?: string;
  agentName?: string;
  conversationId?: string;
}

export function tabLedger(network: Network, stores: LedgerStores, onChange: () => void = () => {}) {
  const { chainId, caip2 } = network;
  return {
    /** A deposit (or top-up) signed and about to be sent: reserved against the budgets, a pending row. */
    depositSent(d: { channelId: string; amount: bigint; kind?: "deposit" | "topup" } & TabAgent): void {
      reserveDeposit(stores, chainId, d.channelId, d.amount);
      recordTabEvent(stores.local, { ...d, kind: d.kind ?? "deposit", chainId, network: caip2, status: "pending" });
      onChange();
    },
    /** A deposit the wallet sent itself (a top-up) was mined into the channel: its row is settled with its transaction. */
    depositLanded(d: { channelId: string; transaction: string }): void {
      settleTabDeposit(stores.local, chainId, d.channelId, { status: "settled", transaction: d.transaction });
      onChange();
    },
    /** The seller refused the deposit or it failed: its reservation is released at once, its row says so. */
    depositFailed(d: { channelId: string; amount: bigint; error?: string }): void {
      releaseReservation(stores, chainId, d.channelId, d.amount);
      settleTabDeposit(stores.local, chainId, d.channelId, { status: "failed", error: d.error ?? "refused by the agent; not deposited" });
      onChange();
    },
    /** A charge the tab adopted: spent now, no longer reserved; its row (the reply's own record adds its usage). */
    charged(charge: TabCharge, agent: TabAgent = {}): void {
      // The message that carried a deposit was answered: the seller took the deposit.
      if (charge.deposit !== undefined) settleTabDeposit(stores.local, chainId, charge.channelId, { status: "settled" });
      chargeReservation(stores, chainId, charge.channelId, charge.charged);
      // A charge of 0 has no total of its own to key its row by: the reply's record (recordOfReply) writes it.
      if (charge.charged > 0n) {
        recordTabEvent(stores.local, {
          ...agent,
          kind: "charge",
          chainId,
          network: caip2,
          channelId: charge.channelId,
          amount: charge.charged,
          chargedCumulative: charge.chargedCumulative,
          maxAmount: charge.maxAmount,
        });
      }
      onChange();
    },
    /** The tab closed (cooperative refund) or withdrawn: what is left of its reservation is released; a row with its transaction. */
    refunded(d: { channelId: string; refunded: bigint; transaction: string; kind?: "refund" | "withdrawal" } & TabAgent): void {
      releaseReservation(stores, chainId, d.channelId);
      recordTabEvent(stores.local, { ...d, kind: d.kind ?? "refund", amount: d.refunded, chainId, network: caip2 });
      onChange();
    },
  };
}

/** The page's ledger: window storage; the history shown is told of each change. */
const pageLedger = (network: Network) => tabLedger(network, { local: window.localStorage, session: window.sessionStorage }, () => paymentsStore.announce());
type Ledger = ReturnType<typeof tabLedger>;

export const tabDepositSent = (network: Network, d: Parameters<Ledger["depositSent"]>[0]) => pageLedger(network).depositSent(d);
export const tabDepositLanded = (network: Network, d: Parameters<Ledger["depositLanded"]>[0]) => pageLedger(network).depositLanded(d);
export const tabDepositFailed = (network: Network, d: Parameters<Ledger["depositFailed"]>[0]) => pageLedger(network).depositFailed(d);
export const tabCharged = (network: Network, charge: TabCharge, agent?: TabAgent) => pageLedger(network).charged(charge, agent);
export const tabRefunded = (network: Network, d: Parameters<Ledger["refunded"]>[0]) => pageLedger(network).refunded(d);
