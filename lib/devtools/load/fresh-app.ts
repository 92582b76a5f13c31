import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AgentConfig } from "../../agents/registry";
import { env } from "../../env";
import { Ledger, openLedgerDb } from "../../ledger";
import { startAppProcess } from "../app-process";
import { loadAgentsFrom } from "./agents";
import { fundedPayers } from "./payers";
import { ledgerSettlements } from "./reconcile";
import { runLoad, type LoadReport } from "./run";

/**
 * One load run against the production app started afresh on `rpcUrl` with a
 * throwaway PGlite ledger (or the Postgres at DATABASE_URL), read once the app
 * has stopped (PGlite serves one process).
 */
export async function runLoadOnFreshApp(opts: {
  rpcUrl: string;
  agents: AgentConfig[];
  concurrency: number;
  messages?: number;
  durationMs?: number;
  /** Extra environment for the app, e.g. NODE_OPTIONS to profile it. */
  appEnv?: Record<string, string>;
  log?: (line: string) => void;
}): Promise<LoadReport> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "x402chat-load-"));
  let app: Awaited<ReturnType<typeof startAppProcess>> | undefined;
  try {
    app = await startAppProcess({ dataDir, rpcUrl: opts.rpcUrl, output: "ignore", env: opts.appEnv });
    // Enough USDC for every message a client could send at the highest price (a duration run: a generous guess).
    const maxPrice = Math.max(...opts.agents.map((a) => Number(a.price)));
    const perClientMessages = opts.messages ? opts.messages / opts.concurrency + 1 : 2_000;
    const payers = await fundedPayers(opts.rpcUrl, opts.concurrency, (Math.ceil(perClientMessages * maxPrice * 1e6) / 1e6).toFixed(6));
    opts.log?.(`${opts.concurrency} clients funded; sending ${opts.durationMs ? `for ${opts.durationMs / 1000} s` : `${opts.messages} messages`}…`);
    const running = app;
    const report = await runLoad({
      baseUrl: app.baseUrl,
      rpcUrl: opts.rpcUrl,
      agents: loadAgentsFrom(opts.agents),
      payers,
      messages: opts.messages,
      durationMs: opts.durationMs,
      beforeReconcile: async () => {
        await running.stop();
        app = undefined;
      },
      readLedger: async (payerAddresses) => {
        // DATABASE_URL: the app used that Postgres; otherwise its own PGlite folder.
        const { db, close } = await openLedgerDb(env.DATABASE_URL ? {} : { dataDir });
        try {
          return await ledgerSettlements(new Ledger(db), payerAddresses);
        } finally {
          await close();
        }
      },
    });
    return report;
  } finally {
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
