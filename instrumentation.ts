/**
 * Runs once when the server starts: opens the ledger (running its migrations),
 * asks the facilitators what they support, so the first paid request does not
 * pay for either, and starts reconciling payments a previous run left unfinished, and the tab claimer.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getLedger } = await import("@/lib/ledger");
  const { getResourceServer } = await import("@/lib/x402/server/resource-server");
  const { startReconciler } = await import("@/lib/x402/server/reconcile");
  const { startTabClaimer, stopTabClaimer } = await import("@/lib/x402/settlement/start");
  await getLedger();
  await getResourceServer().catch((err: unknown) => {
    // Not fatal: a remote facilitator may come back; paid routes answer 503 until then.
    console.error(`[x402] facilitators not ready: ${(err as Error).message}`);
  });
  // After migrations, so the payload columns exist; it never throws and retries every 30 s.
  startReconciler();
  // Never throws; the ledger's lock lets one process claim. On shutdown it stops between runs and frees that lock
  // for another process (a killed process frees it too: its database session ends).
  await startTabClaimer();
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      // Next's own handlers end the process; when none is there, end it as the signal would have.
      void stopTabClaimer().finally(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    });
  }
}
