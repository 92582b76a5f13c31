/**
 * npm run loadtest -- [--messages 1000] [--concurrency 50] [--duration 60] [--agents id,id] [--json file] [--cpu-prof dir]
 *
 * Starts its own local chain and the production app (a throwaway data folder),
 * funds one key per concurrent client, sends paid messages through the official
 * x402 client, and reconciles the receipts the clients got with the ledger's
 * settled rows and the Transfer events on chain, to the unit. Exits 1 when they differ.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { listAgents } from "../lib/agents/registry";
import { ensureLocalContracts, startAnvil } from "../lib/devchain";
import { runLoadOnFreshApp } from "../lib/devtools/load/fresh-app";
import { formatReport } from "../lib/devtools/load/run";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "50" },
    duration: { type: "string" },
    agents: { type: "string" },
    json: { type: "string" },
    // Writes V8 CPU profiles of the app's processes here (open in Chrome DevTools, or summarize with scripts/cpu-profile.ts).
    "cpu-prof": { type: "string" },
  },
});

const messages = Number(args.messages);
const concurrency = Number(args.concurrency);
const durationMs = args.duration ? Number(args.duration) * 1000 : undefined;
if (!(concurrency >= 1) || !(messages >= 1)) throw new Error("--messages and --concurrency must be positive numbers");
const published = listAgents();
const agents = args.agents ? published.filter((a) => args.agents!.split(",").includes(a.id)) : published;
if (agents.length === 0) throw new Error(`no published agent matches --agents ${args.agents}`);

const anvil = await startAnvil({ port: 0, silent: true });
try {
  await ensureLocalContracts(anvil.rpcUrl);
  console.log(`[load] chain ${anvil.rpcUrl}; starting the app (production build)…`);
  const report = await runLoadOnFreshApp({
    rpcUrl: anvil.rpcUrl,
    agents,
    concurrency,
    messages: durationMs ? undefined : messages,
    durationMs,
    appEnv: args["cpu-prof"]
      ? { NODE_OPTIONS: `--import ${path.resolve(import.meta.dirname, "cpu-profiler.mjs")}`, CPU_PROF_DIR: path.resolve(args["cpu-prof"]) }
      : undefined,
    log: (line) => console.log(`[load] ${line}`),
  });
  console.log(formatReport(report));
  if (args.json) writeFileSync(args.json, JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
  process.exitCode = report.reconciliation.exact ? 0 : 1;
} finally {
  await anvil.stop();
}
