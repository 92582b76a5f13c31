import "server-only";
import type { x402ResourceServer } from "@x402/core/server";
import { SettleError, type PaymentPayload, type PaymentRequirements, type SettleResponse } from "@x402/core/types";
import { describeError } from "@/lib/errors";
import type { Ledger } from "@/lib/ledger";
import { getSettlementWorker, settlementWorkerEnabled } from "@/lib/x402/settlement/worker";

/**
 * Settles a payment already moved to `settling` and records the outcome in the
 * ledger. A transient failure (facilitator or RPC unreachable, a receipt that
 * did not come in time, a nonce some other settlement used) is recorded as
 * failed-but-retryable: the money may yet move, and reconciliation finds out
 * from the chain. Only a failure that no retry can cure is final.
 */

export type SettlementOutcome =
  | { status: "settled"; transaction: string; payer?: string }
  | { status: "pending" | "failed"; transaction: string; reason: string };

/**
 * `settlement_pending`: the SDK sent the transaction but its receipt did not come in time; a used nonce:
 * some settlement used it (this one, late, or another process's), which only the chain can tell.
 */
const PENDING_REASONS = new Set(["settlement_pending", "invalid_exact_evm_nonce_already_used"]);
/** How viem, fetch and the SDK's HTTP client word a transport that failed (5xx: the facilitator's own trouble). */
const TRANSPORT_FAILURE = /HTTP request failed|fetch failed|took too long|timed? ?out|ECONNREFUSED|ECONNRESET|socket hang up|failed \(5\d\d\)/i;

function isTransientSettleFailure(failure: { errorReason?: string; errorMessage?: string }): boolean {
  return PENDING_REASONS.has(failure.errorReason ?? "") || TRANSPORT_FAILURE.test(failure.errorMessage ?? "");
}

/**
 * Settles a payment (moved to `settling`, its payload on its row) and records the outcome. With the ledger on
 * Postgres and our own facilitator the only one, the deployment's one settlement worker does it
 * (settlement/worker.ts): the payment is queued and this waits for its outcome; otherwise it is settled here.
 */
export async function settleAndRecord(
  server: x402ResourceServer,
  ledger: Ledger,
  paymentId: string,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
): Promise<SettlementOutcome> {
  if (settlementWorkerEnabled()) return (await getSettlementWorker()).settle(paymentId);
  return settleNow(server, ledger, paymentId, payload, requirements);
}

/** Settles in this process and records the outcome (the worker's own path, and the path without a worker). */
export async function settleNow(
  server: x402ResourceServer,
  ledger: Ledger,
  paymentId: string,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
): Promise<SettlementOutcome> {
  let result: Pick<SettleResponse, "success" | "errorReason" | "errorMessage" | "transaction" | "payer">;
  try {
    result = await server.settlePayment(payload, requirements);
  } catch (err) {
    // The SDK throws for facilitators it could not reach as well as for refusals: the message tells them apart.
    result =
      err instanceof SettleError
        ? { success: false, errorReason: err.errorReason, errorMessage: err.errorMessage, transaction: err.transaction }
        : { success: false, errorMessage: err instanceof Error ? err.message : String(err), transaction: "" };
  }
  if (result.success) {
    await ledger.markSettled(paymentId, { txHash: result.transaction, payer: result.payer });
    return { status: "settled", transaction: result.transaction, payer: result.payer };
  }
  const retryable = isTransientSettleFailure(result);
  // One line for the ledger and the client: viem's full message names the RPC URL, which may carry a provider key.
  const reason = [result.errorReason, result.errorMessage && describeError(result.errorMessage)].filter(Boolean).join(": ") || "settlement failed";
  await ledger.markFailed(paymentId, reason, { retryable });
  return { status: retryable ? "pending" : "failed", transaction: result.transaction ?? "", reason };
}
