import { afterAll, beforeAll } from "vitest";
import { Ledger, openLedgerDb, type LedgerDb, type OpenedLedgerDb } from "@/lib/ledger";
import { startDefiLlamaDouble } from "../agents/support/defillama-double";
import { startPostgres, type TestPostgres } from "./postgres";
import { startRoutesProcess, type RoutesProcess } from "./routes-process";

export interface TwoAppProcesses {
  /** Two app processes (app-routes-process.ts), each its own Node process. */
  readonly apps: RoutesProcess[];
  /** The test's own view of their ledger, on its own connections. */
  readonly ledger: Ledger;
  readonly db: LedgerDb;
}

/**
 * For the file: a fresh Postgres, a DefiLlama double for the agents' tools, and two app processes on them and on
 * the test chain, as two `npm start`s behind a load balancer (sharing only Postgres and the chain). `env` adds to
 * their environment (e.g. batch or claimer settings). Read `apps`, `ledger`, `db` inside tests and later hooks.
 */
export function twoAppProcessesFixture(chain: { readonly rpcUrl: string }, env: Record<string, string> = {}): TwoAppProcesses {
  let postgres: TestPostgres | undefined;
  let defillama: Awaited<ReturnType<typeof startDefiLlamaDouble>> | undefined;
  let apps: RoutesProcess[] = [];
  let opened: OpenedLedgerDb | undefined;
  let ledger: Ledger | undefined;

  beforeAll(async () => {
    [postgres, defillama] = await Promise.all([startPostgres(), startDefiLlamaDouble()]);
    const appEnv = {
      DATABASE_URL: postgres.url,
      LOCAL_RPC_URL: chain.rpcUrl,
      DEFILLAMA_BASE_URL: defillama.url,
      DEFILLAMA_COINS_URL: defillama.url,
      ...env,
    };
    apps = await Promise.all([startRoutesProcess(appEnv), startRoutesProcess(appEnv)]);
    opened = await openLedgerDb({ databaseUrl: postgres.url });
    ledger = new Ledger(opened.db);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await opened?.close();
    await Promise.all([postgres?.stop(), defillama?.close()]);
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("twoAppProcessesFixture read before its beforeAll ran (or after it failed)");
    return value;
  };
  return {
    get apps() {
      return started(apps.length > 0 ? apps : undefined);
    },
    get ledger() {
      return started(ledger);
    },
    get db() {
      return started(opened).db;
    },
  };
}
