/** A subscribable view of the stored payment history of one network, for useSyncExternalStore. */
import { readPayments, type PaymentRecord } from "./payments";

const EMPTY: PaymentRecord[] = [];
let cache: { chainId: number; raw: string | null; value: PaymentRecord[] } | null = null;

/** Fired in this window when it changed the history itself (`storage` events only come from other tabs). */
export const PAYMENTS_CHANGED_EVENT = "x402chat:payments-changed";

export function subscribePayments(onChange: () => void): () => void {
  window.addEventListener("storage", onChange);
  window.addEventListener(PAYMENTS_CHANGED_EVENT, onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener(PAYMENTS_CHANGED_EVENT, onChange);
  };
}

export function paymentsSnapshot(chainId: number): PaymentRecord[] {
  const raw = window.localStorage.getItem(`x402chat:history:v1:${chainId}`);
  if (!cache || cache.chainId !== chainId || cache.raw !== raw) cache = { chainId, raw, value: readPayments(window.localStorage, chainId) };
  return cache.value;
}

export const serverPaymentsSnapshot = (): PaymentRecord[] => EMPTY;
