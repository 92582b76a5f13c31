/** The stored payment history of one network, live across tabs (useLocalStore(paymentsStore, chainId)). */
import { storageKeys } from "@/lib/browser/keys";
import { createLocalStore } from "@/lib/browser/store";
import { parsePayments, type PaymentRecord } from "./payments";

const EMPTY: PaymentRecord[] = [];

export const paymentsStore = createLocalStore<[chainId: number], PaymentRecord[]>({
  key: storageKeys.history,
  parse: parsePayments,
  server: EMPTY,
});
