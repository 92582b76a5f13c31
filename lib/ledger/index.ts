import "server-only";

import { openLedgerDb } from "./db";
import { Ledger } from "./ledger";

export { openLedgerDb, type LedgerDb, type OpenLedgerDbOptions, type OpenedLedgerDb } from "./db";
export * from "./ledger";
export { PAYMENT_STATUSES } from "./schema";

// On globalThis, not in a module variable: Next.js dev reloads modules, and PGlite has no lock
// to stop a second instance from writing the same folder.
const globalForLedger = globalThis as typeof globalThis & { x402Ledger?: Promise<Ledger> };

/** The process-wide ledger, opened from DATABASE_URL / DATA_DIR on first use. */
export function getLedger(): Promise<Ledger> {
  globalForLedger.x402Ledger ??= openLedgerDb().then(
    ({ db }) => new Ledger(db),
    (err: unknown) => {
      // Forget the failure so that the next request tries again (e.g. Postgres was still starting).
      globalForLedger.x402Ledger = undefined;
      throw err;
    },
  );
  return globalForLedger.x402Ledger;
}
