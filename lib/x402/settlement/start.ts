import "server-only";
import { parseUnits, type Address } from "viem";
import { networkByX402Id } from "@/lib/chains/networks";
import { publicClientOf } from "@/lib/chains/rpc";
import { env } from "@/lib/env";
import { getLedger } from "@/lib/ledger";
import { processSingletonRetrying, resetProcessSingleton } from "@/lib/singleton";
import { getLocalFacilitator } from "@/lib/x402/facilitator";
import { TabClaimer, type ClaimerNetwork } from "./claimer";
import { getSettlementWorker, settlementWorkerEnabled, stopSettlementWorker } from "./worker";

/**
 * The app's claimer: one per process, over every network our own facilitator serves tabs on (it relays the claims
 * and signs them as the channels' receiver authorizer). Every process starts one; the ledger's lock lets exactly
 * one of them claim, and another takes over when that process stops.
 */
export function getTabClaimer(): Promise<TabClaimer> {
  return processSingletonRetrying("tabClaimer", createTabClaimer);
}

async function createTabClaimer(): Promise<TabClaimer> {
  const ledger = await getLedger();
  const facilitator = getLocalFacilitator();
  const networks: ClaimerNetwork[] = [];
  for (const kind of facilitator.getSupported().kinds) {
    const receiverAuthorizer = (kind.extra as { receiverAuthorizer?: Address } | undefined)?.receiverAuthorizer;
    const network = networkByX402Id(kind.network);
    if (kind.scheme !== "batch-settlement" || !receiverAuthorizer || !network) continue;
    networks.push({
      network: network.caip2,
      tabs: ledger.tabs(network.caip2),
      facilitator,
      client: publicClientOf(network),
      receiverAuthorizer,
      threshold: parseUnits(env.TAB_CLAIM_THRESHOLD_USDC, network.usdc.decimals),
    });
  }
  return new TabClaimer({
    store: ledger.tabClaimer(),
    networks,
    intervalMs: env.TAB_CLAIM_INTERVAL_SECONDS * 1_000,
    pollMs: env.TAB_CLAIM_POLL_SECONDS * 1_000,
  });
}

/** Starts the process's claimer loop (instrumentation.ts); a failure to build it is logged, not thrown. */
export async function startTabClaimer(): Promise<void> {
  try {
    (await getTabClaimer()).start();
  } catch (err) {
    console.error(`[tab-claimer] not started: ${(err as Error).message}`);
  }
}

/** Stops the claimer and frees its lock for another process (on shutdown, and in tests). */
export async function stopTabClaimer(): Promise<void> {
  const held = globalThis.x402Singletons?.tabClaimer;
  if (!held) return;
  resetProcessSingleton("tabClaimer");
  await (await held.catch(() => undefined))?.stop();
}

/**
 * What a server process starts for settlement (instrumentation.ts): the tab claimer and, where it runs, the exact
 * settlement worker, so it listens and takes over what a previous worker left before the first payment. Never throws.
 */
export async function startSettlement(): Promise<void> {
  await startTabClaimer();
  if (!settlementWorkerEnabled()) return;
  try {
    await getSettlementWorker();
  } catch (err) {
    // The first paid reply tries again.
    console.error(`[x402] settlement worker not started: ${(err as Error).message}`);
  }
}

/** Stops the claimer and the worker, freeing their locks for another process. */
export async function stopSettlement(): Promise<void> {
  await Promise.all([stopTabClaimer(), stopSettlementWorker()]);
}

/**
 * On SIGTERM / SIGINT, stops the claimer (between runs) and the worker, freeing their locks at once for another
 * process (a killed process frees them too: its database sessions end). Here, not in instrumentation.ts: Next
 * also compiles that file for the Edge runtime, which has no process.once / process.listenerCount.
 */
export function stopSettlementOnSignals(): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      // Next's own handlers end the process; when none is there, end it as the signal would have.
      void stopSettlement().finally(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    });
  }
}
