import { createPublicClient, http, type Address } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { localPayingFetch, sendPaidMessage, type MessageOutcome } from "./client";
import { chainSettlements, reconcile, type Reconciliation, type Settlement } from "./reconcile";
import { summarize } from "./stats";

export interface LoadAgent {
  id: string;
  payTo: Address;
  /** What the clients ask it. */
  prompt: string;
}

export interface LoadOptions {
  /** The app; several (processes behind no balancer): each message goes to the next in turn. */
  baseUrl: string | string[];
  rpcUrl: string;
  agents: LoadAgent[];
  /** One key per concurrent client. */
  payers: PrivateKeyAccount[];
  /** Stop after this many messages… */
  messages?: number;
  /** …or after this long, whichever comes first. */
  durationMs?: number;
  /** The ledger's settled payments of these payers (read once the run is over). */
  readLedger(payers: Address[]): Promise<Settlement[]>;
  /** Called before reading the ledger and the chain, e.g. to stop the server so its database can be opened. */
  beforeReconcile?: () => Promise<void>;
  /** Told each message's outcome as it ends (e.g. to kill a process mid-run). */
  onOutcome?: (outcome: MessageOutcome, done: number) => void;
}

export interface LoadReport {
  messages: number;
  concurrency: number;
  wallMs: number;
  paidPerSecond: number;
  latencyMs: ReturnType<typeof summarize>;
  settled: number;
  failed: Record<string, number>;
  reconciliation: Reconciliation;
  /** The receipts the clients got. */
  receipts: Settlement[];
}

/** Many concurrent paying clients against the agents' paid routes, then a three-way reconciliation. */
export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  if (!opts.messages && !opts.durationMs) throw new Error("give a message count, a duration, or both");
  const chain = createPublicClient({ transport: http(opts.rpcUrl) });
  const fromBlock = (await chain.getBlockNumber()) + 1n;
  const deadline = opts.durationMs ? performance.now() + opts.durationMs : Number.POSITIVE_INFINITY;
  const limit = opts.messages ?? Number.POSITIVE_INFINITY;
  const baseUrls = typeof opts.baseUrl === "string" ? [opts.baseUrl] : opts.baseUrl;

  const receipts: Settlement[] = [];
  const latencies: number[] = [];
  const failed: Record<string, number> = {};
  let started = 0;

  const worker = async (payer: PrivateKeyAccount) => {
    const pay = localPayingFetch(payer);
    while (started < limit && performance.now() < deadline) {
      const agent = opts.agents[started % opts.agents.length]!;
      const baseUrl = baseUrls[started % baseUrls.length]!;
      started += 1;
      const outcome = await sendPaidMessage(pay, `${baseUrl}/api/x402/${agent.id}/chat`, agent.prompt);
      latencies.push(outcome.latencyMs);
      if (outcome.ok) {
        const { transaction, amount, payer } = outcome.receipt;
        receipts.push({ agentId: agent.id, txHash: transaction.toLowerCase(), amount: BigInt(amount), payer });
      } else failed[outcome.reason] = (failed[outcome.reason] ?? 0) + 1;
      opts.onOutcome?.(outcome, latencies.length);
    }
  };

  const t0 = performance.now();
  await Promise.all(opts.payers.map(worker));
  const wallMs = performance.now() - t0;

  await opts.beforeReconcile?.();
  const payers = opts.payers.map((p) => p.address);
  const agentByPayTo = new Map(opts.agents.map((a) => [a.payTo.toLowerCase(), a.id]));
  const [ledger, onChain] = await Promise.all([
    opts.readLedger(payers),
    chainSettlements({ rpcUrl: opts.rpcUrl, fromBlock, payers, agentByPayTo }),
  ]);

  return {
    messages: started,
    concurrency: opts.payers.length,
    wallMs,
    paidPerSecond: receipts.length / (wallMs / 1000),
    latencyMs: summarize(latencies),
    settled: receipts.length,
    failed,
    reconciliation: reconcile({ receipts, ledger, chain: onChain }),
    receipts,
  };
}

export function formatReport(report: LoadReport): string {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const lines = [
    `messages sent       ${report.messages} at concurrency ${report.concurrency}, in ${(report.wallMs / 1000).toFixed(2)} s`,
    `paid messages/s     ${report.paidPerSecond.toFixed(1)}`,
    `latency (402→receipt) p50 ${ms(report.latencyMs.p50)}  p95 ${ms(report.latencyMs.p95)}  p99 ${ms(report.latencyMs.p99)}  max ${ms(report.latencyMs.max)}`,
    `settled             ${report.settled}`,
    `failed              ${Object.values(report.failed).reduce((a, b) => a + b, 0)}${Object.entries(report.failed).map(([why, n]) => `\n  ${n} × ${why}`).join("")}`,
    "reconciliation      receipts = ledger = chain (count / atomic USDC), per agent:",
    ...Object.entries(report.reconciliation.perAgent).map(
      ([agent, w]) => `  ${agent}  ${w.receipts.count}/${w.receipts.amount}  ${w.ledger.count}/${w.ledger.amount}  ${w.chain.count}/${w.chain.amount}`,
    ),
    report.reconciliation.exact ? "RECONCILED: exact" : `NOT RECONCILED:\n  ${report.reconciliation.mismatches.join("\n  ")}`,
  ];
  return lines.join("\n");
}
