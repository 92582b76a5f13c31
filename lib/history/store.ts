/** A subscribable view of the stored payment history of one network, for useSyncExternalStore. */
import { readPayments, type PaymentRecord } from "./payments";

const EMPTY: PaymentRecord[] = [];
let cache: { chainId: number; raw: string | null; value: PaymentRecord[] } | null = null;

export function subscribePayments(onChange: () => void): () => void {
  window.addEventListener("storage", onChange);
  return () => window.removeEventListener("storage", onChange);
}

export function paymentsSnapshot(chainId: number): PaymentRecord[] {
  const raw = window.localStorage.getItem(`x402chat:history:v1:${chainId}`);
  if (!cache || cache.chainId !== chainId || cache.raw !== raw) cache = { chainId, raw, value: readPayments(window.localStorage, chainId) };
  return cache.value;
}

export const serverPaymentsSnapshot = (): PaymentRecord[] => EMPTY;
