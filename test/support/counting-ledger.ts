import type { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { afterAll, beforeAll } from "vitest";
import { openLedgerDb, type LedgerDb, type OpenedLedgerDb } from "@/lib/ledger/db";
import { Ledger } from "@/lib/ledger/ledger";

/**
 * The app's process-wide ledger (getLedger) on a fresh in-memory PGlite, through a drizzle that logs every statement
 * it sends into `statements` (a transaction's begin and commit too, which PGlite sends past drizzle's logger), for
 * tests that count what a message costs the ledger. `quiet()` is the same database unlogged, `client()` its PGlite.
 */
export function countingLedgerFixture() {
  let opened: OpenedLedgerDb | undefined;
  let ledger: Ledger | undefined;
  const statements: string[] = [];
  const client = () => (opened!.db as unknown as { $client: PGlite }).$client;
  beforeAll(async () => {
    opened = await openLedgerDb({ dataDir: "memory://" });
    const pglite = client();
    const transaction = pglite.transaction.bind(pglite);
    pglite.transaction = (async (fn: Parameters<PGlite["transaction"]>[0]) => {
      statements.push("begin");
      try {
        return await transaction(fn);
      } finally {
        statements.push("commit");
      }
    }) as PGlite["transaction"];
    const counting = drizzlePglite({ client: pglite, logger: { logQuery: (query) => void statements.push(query) } });
    ledger = new Ledger(counting as unknown as LedgerDb);
    globalThis.x402Singletons = { ...globalThis.x402Singletons, ledger: Promise.resolve(ledger) };
  });
  afterAll(async () => {
    delete globalThis.x402Singletons?.ledger;
    await opened?.close();
  });
  return {
    statements,
    ledger: () => ledger!,
    client,
    quiet: () => drizzlePglite({ client: client() }) as unknown as LedgerDb,
  };
}
