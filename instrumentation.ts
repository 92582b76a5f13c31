/**
 * Runs once when the server starts: opens the ledger (running its migrations),
 * asks the facilitators what they support, so the first paid request does not
 * pay for either, and starts reconciling payments a previous run left unfinished, the tab claimer and the
 * exact settlement worker.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getLedger } = await import("@/lib/ledger");
  const { getResourceServer } = await import("@/lib/x402/server/resource-server");
  const { startReconciler } = await import("@/lib/x402/server/reconcile");
  const { startSettlement, stopSettlementOnSignals } = await import("@/lib/x402/settlement/start");
  await getLedger();
  await getResourceServer().catch((err: unknown) => {
    // Not fatal: a remote facilitator may come back; paid routes answer 503 until then.
    console.error(`[x402] facilitators not ready: ${(err as Error).message}`);
  });
  // After migrations, so the payload columns exist; it never throws and retries every 30 s.
  startReconciler();
  // Never throws; the ledger's locks let one process claim and one settle exact payments. On shutdown both stop and
  // free their locks for another process.
  await startSettlement();
  stopSettlementOnSignals();
}
