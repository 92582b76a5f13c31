/**
 * Issue 17, points 1 and 2: batched exact settlements from two app processes on one Postgres, one chain and one
 * facilitator key, under the load runner with each client's messages spread across both processes
 * (test/support/app-routes-process.ts: its own modules, facilitator, batcher and sender per process).
 *
 * Settling runs in one worker across both processes (lib/x402/settlement/worker.ts, its lock and queue in Postgres).
 * Then again with the worker's process killed (SIGKILL) mid-run: what it left (a payment verified but never replied
 * to, a settlement queued or in its batcher, a batch sent but not recorded) is taken over by the other process's
 * worker and finished by its reconciliation, with the token's authorizationState as the judge. Nothing lost, nothing charged twice: every
 * settled row of the ledger is one Transfer on chain and every Transfer is one settled row, and no payment is left
 * unfinished.
 */
import { sql } from "drizzle-orm";
import { createPublicClient, http, type Address, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { listAgents } from "@/lib/agents/registry";
import { loadAgentsFrom } from "@/lib/devtools/load/agents";
import { fundedPayers } from "@/lib/devtools/load/payers";
import { chainSettlements, ledgerSettlements, reconcile, type Settlement } from "@/lib/devtools/load/reconcile";
import { runLoad } from "@/lib/devtools/load/run";
import type { ReconcileReport } from "@/lib/x402/server/reconcile";
import { testChainFixture } from "../support/fixtures";
import type { RoutesProcess } from "../support/routes-process";
import { twoAppProcessesFixture } from "../support/two-app-processes";

const chain = testChainFixture();
const CLIENTS = 16;
const MESSAGES = 96;

const stack = twoAppProcessesFixture(chain, {
  SETTLEMENT_BATCH_MAX: "50",
  SETTLEMENT_BATCH_WAIT_MS: "100",
  // Reconciliation runs when the test asks (POST /test/reconcile), not on its own meanwhile.
  RECONCILE_AFTER_MS: "3600000",
});

/** The agents our own facilitator settles for here (the local chain; Base Sepolia needs FACILITATOR_PRIVATE_KEY). */
const agents = () => loadAgentsFrom(listAgents());

async function reconcileIn(app: RoutesProcess): Promise<ReconcileReport[]> {
  const res = await fetch(`${app.url}/test/reconcile`, { method: "POST", body: JSON.stringify({ olderThanMs: 0 }) });
  if (!res.ok) throw new Error(`reconcile: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as ReconcileReport[];
}

async function workerState(app: RoutesProcess): Promise<{ holder: boolean; settled: number }> {
  const res = await fetch(`${app.url}/test/settlement-worker`);
  return (await res.json()) as { holder: boolean; settled: number };
}
const isWorker = async (app: RoutesProcess) => (await workerState(app)).holder;

async function unfinished(payers: Address[]): Promise<string[]> {
  const mine = new Set(payers.map((p) => p.toLowerCase()));
  return (await stack.ledger.listUnfinishedPayments()).filter((p) => mine.has(p.payer)).map((p) => `${p.id} ${p.status} ${p.error ?? ""}`);
}

/** Ledger = chain, payment by payment (transaction and payer) and to the unit, per agent. */
async function ledgerMatchesChain(payers: Address[], fromBlock: bigint): Promise<{ ledger: Settlement[]; chain: Settlement[] }> {
  const onLedger = await ledgerSettlements(stack.ledger, payers);
  const onChain = await chainSettlements({
    rpcUrl: chain.rpcUrl,
    fromBlock,
    payers,
    agentByPayTo: new Map(agents().map((a) => [a.payTo.toLowerCase(), a.id])),
  });
  const check = reconcile({ receipts: onLedger, ledger: onLedger, chain: onChain });
  expect(check.mismatches).toEqual([]);
  return { ledger: onLedger, chain: onChain };
}

describe("batched exact settlement from two app processes on one Postgres and one facilitator key", () => {
  it("settles every paid reply once, in shared batch transactions, and reconciles exactly", async () => {
    const payers = await fundedPayers(chain.rpcUrl, CLIENTS, "1");
    const report = await runLoad({
      baseUrl: stack.apps.map((a) => a.url),
      rpcUrl: chain.rpcUrl,
      agents: agents(),
      payers,
      messages: MESSAGES,
      readLedger: (addresses) => ledgerSettlements(stack.ledger, addresses),
    });
    expect(report.failed).toEqual({});
    expect(report.settled).toBe(MESSAGES);
    expect(report.reconciliation.mismatches).toEqual([]);
    expect(report.reconciliation.exact).toBe(true);
    expect(await unfinished(payers.map((p) => p.address))).toEqual([]);
    // One worker across both processes: exactly one holds the lock and settled every payment, both processes'
    // clients' alike; nothing is left queued.
    const states = await Promise.all(stack.apps.map(workerState));
    expect(states.filter((s) => s.holder)).toEqual([{ holder: true, settled: MESSAGES }]);
    expect(states.filter((s) => !s.holder)).toEqual([{ holder: false, settled: 0 }]);
    const queued = (await stack.db.execute(sql`select count(*)::int as n from settlement_queue`)) as unknown as { rows: { n: number }[] };
    expect(queued.rows[0]!.n).toBe(0);

    // Batched: fewer transactions than payments. Gas per message over the run's batch transactions.
    const client = createPublicClient({ transport: http(chain.rpcUrl) });
    const ledgerRows = await ledgerSettlements(stack.ledger, payers.map((p) => p.address));
    const hashes = [...new Set(ledgerRows.map((s) => s.txHash))];
    expect(hashes.length).toBeLessThan(MESSAGES);
    const gas = (await Promise.all(hashes.map((hash) => client.getTransactionReceipt({ hash: hash as Hex })))).reduce((sum, r) => sum + r.gasUsed, 0n);
    console.log(`[batched] ${MESSAGES} payments in ${hashes.length} transactions from 2 processes: ${gas / BigInt(MESSAGES)} gas per message`);
  }, 300_000);

  it("loses nothing and charges nothing twice when one process is killed mid-run", async () => {
    const payers = await fundedPayers(chain.rpcUrl, CLIENTS, "1");
    const addresses = payers.map((p) => p.address);
    const client = createPublicClient({ transport: http(chain.rpcUrl) });
    const fromBlock = (await client.getBlockNumber()) + 1n;
    // The process to kill is the settlement worker: it dies with batches queued, sent, or mined but not recorded.
    const holders = await Promise.all(stack.apps.map(isWorker));
    expect(holders.filter(Boolean)).toHaveLength(1);
    const victim = stack.apps[holders.indexOf(true)]!;
    const survivor = stack.apps[holders.indexOf(false)]!;
    let killed: Promise<void> | null = null;
    const report = await runLoad({
      baseUrl: [survivor.url, victim.url],
      rpcUrl: chain.rpcUrl,
      agents: agents(),
      payers,
      messages: MESSAGES,
      readLedger: (a) => ledgerSettlements(stack.ledger, a),
      // A third of the way in, with every client's next message in flight on one process or the other.
      onOutcome: (_outcome, done) => {
        if (done === Math.floor(MESSAGES / 3)) killed ??= victim.kill();
      },
    });
    await killed;
    expect(killed).not.toBeNull();
    // The clients of the killed process saw failures; the others were paid.
    expect(report.settled).toBeGreaterThan(0);
    expect(report.settled).toBeLessThan(MESSAGES);

    // The survivor took over as the worker, and settled what the dead one left queued.
    expect(await isWorker(survivor)).toBe(true);
    // Its reconciliation finishes the rest: one pass settles, records or voids every row the dead process left.
    const reports = await reconcileIn(survivor);
    console.log(`[batched] after the kill: ${report.settled} receipts; reconciliation: ${JSON.stringify(reports.map((r) => r.action))}`);
    expect(reports.filter((r) => r.action === "pending" || r.action === "skipped")).toEqual([]);
    expect(await unfinished(addresses)).toEqual([]);

    // Ledger = chain exactly: nothing charged without a settled row, no settled row without its one Transfer.
    const { ledger: onLedger } = await ledgerMatchesChain(addresses, fromBlock);
    // Every receipt a client got is a settled payment of the ledger (the runner's own three-way check, made before
    // reconciliation and with the receipts the dead process's clients lost, is not the judge here).
    const settledKeys = new Set(onLedger.map((s) => `${s.txHash}:${s.payer}`.toLowerCase()));
    expect(report.receipts).toHaveLength(report.settled);
    expect(report.receipts.filter((r) => !settledKeys.has(`${r.txHash}:${r.payer}`.toLowerCase()))).toEqual([]);
  }, 300_000);
});
