import "server-only";

import { processSingletonRetrying } from "@/lib/singleton";
import { openLedgerDb } from "./db";
import { Ledger } from "./ledger";

export { openLedgerDb, type LedgerDb, type OpenLedgerDbOptions, type OpenedLedgerDb } from "./db";
export * from "./ledger";
export { PAYMENT_STATUSES } from "./schema";

/**
 * The process-wide ledger, opened from DATABASE_URL / DATA_DIR on first use. A failed open is forgotten, so the
 * next request tries again (e.g. Postgres was still starting).
 */
export function getLedger(): Promise<Ledger> {
  return processSingletonRetrying("ledger", () => openLedgerDb().then(({ db }) => new Ledger(db)));
}
export { TabLedger, type TabEvent, type TabEventKind, type NewTabEvent } from "./tabs";
