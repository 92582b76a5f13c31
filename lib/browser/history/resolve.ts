/**
 * Settles the history's open records from the chain: a payment that was not confirmed when its reply came
 * (the agent's receipt did not prove it, or the agent will retry) is looked up again by the authorization
 * this browser signed, until the chain gives a final answer.
 */
import { resolveAuthorization, type ChainReader, type Resolution } from "@/lib/x402/payer/receipt-check";
import { readPayments, updatePayment, type PaymentRecord } from "./payments";

export function isOpen(r: PaymentRecord): r is PaymentRecord & { authorization: NonNullable<PaymentRecord["authorization"]> } {
  return r.status !== "settled" && !!r.authorization && !r.resolved;
}

/** One pass over the open records of a chain; returns how many records changed. */
export async function resolveOpenPayments(storage: Pick<Storage, "getItem" | "setItem">, chainId: number, chain: ChainReader): Promise<number> {
  let changed = 0;
  for (const record of readPayments(storage, chainId).filter(isOpen)) {
    let patch: Partial<PaymentRecord> | null;
    try {
      patch = patchFor(record, await resolveAuthorization(chain, record.authorization, { scannedTo: record.scannedTo }));
    } catch {
      patch = null; // the chain is unreachable now: the next pass tries again
    }
    if (patch && updatePayment(storage, chainId, record.id, patch)) changed += 1;
  }
  return changed;
}

function patchFor(record: PaymentRecord, found: Resolution): Partial<PaymentRecord> | null {
  switch (found.state) {
    case "settled":
      return { status: "settled", transaction: found.transaction, error: undefined, resolved: true };
    case "expired":
      return { status: "failed", error: "the authorization expired unused; not charged", resolved: true };
    case "canceled":
      return { status: "failed", error: "the authorization was canceled; not charged", resolved: true };
    case "open":
      return found.scannedTo !== undefined && found.scannedTo !== record.scannedTo ? { scannedTo: found.scannedTo } : null;
  }
}
