/**
 * Values the server process holds once. They live on globalThis, not in module variables: Next.js dev reloads
 * modules and bundles routes apart, and a second ledger (PGlite has no lock against two writers of one folder),
 * a second nonce manager or a second reconciler timer would be a bug, not a cache miss.
 */
import type { x402Facilitator } from "@x402/core/facilitator";
import type { x402ResourceServer } from "@x402/core/server";
import type { BatchSettlementEvmScheme } from "@x402/evm/batch-settlement/server";
import type { Ledger } from "@/lib/ledger/ledger";
import type { TabClaimer } from "@/lib/x402/settlement/claimer";
import type { SettlementWorker } from "@/lib/x402/settlement/worker";

/** The one table of what the process holds once, so every key has one type. */
export interface ProcessSingletons {
  ledger: Promise<Ledger>;
  resourceServer: Promise<x402ResourceServer>;
  localFacilitator: x402Facilitator;
  reconciler: NodeJS.Timeout;
  /** The tab claimer (lib/x402/settlement): one loop per process, one claiming across processes. */
  tabClaimer: Promise<TabClaimer>;
  /** The tab (batch-settlement) scheme of each network, by CAIP-2 id: its request state must be one per process. */
  tabSchemes: Map<string, BatchSettlementEvmScheme>;
  /** The exact settlement worker (lib/x402/settlement/worker.ts): one per process, one working across processes. */
  settlementWorker: Promise<SettlementWorker>;
}

type Key = keyof ProcessSingletons;
type AsyncKey = { [K in Key]: ProcessSingletons[K] extends Promise<unknown> ? K : never }[Key];

declare global {
  // A `var` is what declares a property of globalThis.
  var x402Singletons: Partial<ProcessSingletons> | undefined;
}

const registry = (): Partial<ProcessSingletons> => (globalThis.x402Singletons ??= {});

/** The process's value for `key`, made by `create` on first use. */
export function processSingleton<K extends Key>(key: K, create: () => ProcessSingletons[K]): ProcessSingletons[K] {
  const held = registry()[key];
  if (held !== undefined) return held;
  const made = create();
  registry()[key] = made;
  return made;
}

/**
 * Like processSingleton for a value made asynchronously, but a failure is not kept: the next call tries again
 * (a database or a remote facilitator that was still starting).
 */
export function processSingletonRetrying<K extends AsyncKey>(key: K, create: () => ProcessSingletons[K]): ProcessSingletons[K] {
  return processSingleton(key, () => {
    const made = create();
    // Registered before the caller's handlers, so a caller that retries on failure finds the slot empty.
    made.catch(() => {
      if (registry()[key] === made) delete registry()[key];
    });
    return made;
  });
}

/** Forgets the process's value for `key`, so the next use makes a new one (tests that change the environment). */
export function resetProcessSingleton(key: Key): void {
  delete registry()[key];
}
