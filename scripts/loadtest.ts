/**
 * npm run loadtest -- [--messages 1000] [--concurrency 50] [--duration 60] [--agents id,id] [--json file]
 *
 * Starts its own local chain and the production app (a throwaway data folder),
 * funds one key per concurrent client, sends paid messages through the official
 * x402 client, and reconciles the receipts the clients got with the ledger's
 * settled rows and the Transfer events on chain, to the unit. Exits 1 when they differ.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { listAgents } from "../lib/agents/registry";
import { Ledger, openLedgerDb } from "../lib/ledger";
import { startAppProcess } from "./app-process";
import { ensureLocalContracts, startAnvil } from "./devchain";
import { loadAgentsFrom } from "./load/agents";
import { fundedPayers } from "./load/payers";
import { formatReport, runLoad } from "./load/run";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "50" },
    duration: { type: "string" },
    agents: { type: "string" },
    json: { type: "string" },
  },
});

const messages = Number(args.messages);
const concurrency = Number(args.concurrency);
const durationMs = args.duration ? Number(args.duration) * 1000 : undefined;
if (!(concurrency >= 1) || !(messages >= 1)) throw new Error("--messages and --concurrency must be positive numbers");

const published = listAgents();
const chosen = args.agents ? published.filter((a) => args.agents!.split(",").includes(a.id)) : published;
if (chosen.length === 0) throw new Error(`no published agent matches --agents ${args.agents}`);
const agents = loadAgentsFrom(chosen);

const dataDir = mkdtempSync(path.join(tmpdir(), "x402chat-load-"));
const anvil = await startAnvil({ port: 0, silent: true });
let app: Awaited<ReturnType<typeof startAppProcess>> | undefined;
try {
  await ensureLocalContracts(anvil.rpcUrl);
  console.log(`[load] chain ${anvil.rpcUrl}; starting the app (production build)…`);
  app = await startAppProcess({ dataDir, rpcUrl: anvil.rpcUrl, stdio: "ignore" });
  // Enough USDC for every message a client could send, at the highest price.
  const perClient = Math.ceil((messages / concurrency + 1) * Math.max(...chosen.map((a) => Number(a.price))) * 1e6) / 1e6;
  const payers = await fundedPayers(anvil.rpcUrl, concurrency, String(Math.max(perClient, 0.01)));
  console.log(`[load] ${concurrency} clients funded; sending ${durationMs ? `for ${durationMs / 1000} s` : messages} paid messages to ${agents.length} agent(s)…`);

  const report = await runLoad({
    baseUrl: app.baseUrl,
    rpcUrl: anvil.rpcUrl,
    agents,
    payers,
    messages: durationMs ? undefined : messages,
    durationMs,
    // The app's PGlite database is opened here once the app has stopped (PGlite serves one process).
    beforeReconcile: () => app!.stop(),
    readLedger: async (payerAddresses) => {
      const { db, close } = await openLedgerDb({ dataDir });
      try {
        const ledger = new Ledger(db);
        const rows = (await Promise.all(payerAddresses.map((payer) => ledger.listPayments({ payer, status: "settled", limit: 1000 })))).flat();
        return rows.map((r) => ({ agentId: r.agentId, txHash: r.txHash ?? "", amount: BigInt(r.amount) }));
      } finally {
        await close();
      }
    },
  });
  app = undefined;
  console.log(formatReport(report));
  if (args.json) writeFileSync(args.json, JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
  process.exitCode = report.reconciliation.exact ? 0 : 1;
} finally {
  await app?.stop();
  await anvil.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
