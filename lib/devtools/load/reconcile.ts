import { createPublicClient, http, parseAbiItem, type Address } from "viem";
import { NETWORKS } from "../../chains/networks";
import type { Ledger } from "../../ledger";

/** A settled payment as one of the three witnesses saw it. */
export interface Settlement {
  agentId: string;
  txHash: string;
  amount: bigint;
  /** Who paid: a batched settlement's transaction carries several payments, told apart by their payers. */
  payer?: string;
}

export interface WitnessTotals {
  count: number;
  amount: bigint;
}

export interface Reconciliation {
  /** Per agent id, then per witness. */
  perAgent: Record<string, { receipts: WitnessTotals; ledger: WitnessTotals; chain: WitnessTotals }>;
  /** Transactions that one witness has and another lacks, at most a few of each. */
  mismatches: string[];
  exact: boolean;
}

/** The ledger's settled payments from these payers (each sends at most 1,000 in a run). */
export async function ledgerSettlements(ledger: Ledger, payers: Address[]): Promise<Settlement[]> {
  const rows = (await Promise.all(payers.map((payer) => ledger.listPayments({ payer, status: "settled", limit: 1000 })))).flat();
  return rows.map((r) => ({ agentId: r.agentId, txHash: r.txHash ?? "", amount: BigInt(r.amount), payer: r.payer }));
}

const transferEvent = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");

/** The Transfers from the run's payers to the agents since `fromBlock`, read from the chain's logs. */
export async function chainSettlements(opts: {
  rpcUrl: string;
  fromBlock: bigint;
  payers: Address[];
  agentByPayTo: Map<string, string>;
}): Promise<Settlement[]> {
  const client = createPublicClient({ transport: http(opts.rpcUrl) });
  const logs = await client.getLogs({
    address: NETWORKS.local.usdc.address,
    event: transferEvent,
    args: { from: opts.payers, to: [...opts.agentByPayTo.keys()] as Address[] },
    fromBlock: opts.fromBlock,
    toBlock: "latest",
  });
  return logs.map((log) => ({
    agentId: opts.agentByPayTo.get(log.args.to!.toLowerCase()) ?? log.args.to!,
    txHash: log.transactionHash.toLowerCase(),
    amount: log.args.value!,
    payer: log.args.from!,
  }));
}

/** One payment's identity across witnesses: its transaction and its payer (a batch holds several payments). */
const paymentKey = (s: Settlement) => `${s.txHash}:${s.payer ?? ""}`.toLowerCase();

/**
 * Receipts the clients got = settled ledger rows = Transfers on chain, per agent, to the unit and by transaction
 * and payer.
 */
export function reconcile(witnesses: { receipts: Settlement[]; ledger: Settlement[]; chain: Settlement[] }): Reconciliation {
  const perAgent: Reconciliation["perAgent"] = {};
  const names = ["receipts", "ledger", "chain"] as const;
  for (const name of names) {
    for (const s of witnesses[name]) {
      const agent = (perAgent[s.agentId] ??= {
        receipts: { count: 0, amount: 0n },
        ledger: { count: 0, amount: 0n },
        chain: { count: 0, amount: 0n },
      });
      agent[name].count += 1;
      agent[name].amount += s.amount;
    }
  }
  const mismatches: string[] = [];
  // Counted, not merely collected: one payer may pay twice in one batch transaction, and a payment counted twice by
  // one witness must show as one the others lack.
  const counts = Object.fromEntries(
    names.map((n) => {
      const count = new Map<string, number>();
      for (const s of witnesses[n]) count.set(paymentKey(s), (count.get(paymentKey(s)) ?? 0) + 1);
      return [n, count];
    }),
  ) as Record<(typeof names)[number], Map<string, number>>;
  for (const a of names) {
    for (const b of names) {
      if (a === b) continue;
      const missing = [...counts[a]].filter(([key, n]) => n > (counts[b].get(key) ?? 0)).map(([key]) => key);
      if (missing.length) mismatches.push(`${missing.length} payment(s) (transaction:payer) in ${a} but not in ${b}, e.g. ${missing.slice(0, 3).join(", ")}`);
    }
  }
  for (const [agentId, totals] of Object.entries(perAgent)) {
    const { receipts, ledger, chain } = totals;
    const same = (x: WitnessTotals, y: WitnessTotals) => x.count === y.count && x.amount === y.amount;
    if (!same(receipts, ledger) || !same(ledger, chain)) {
      mismatches.push(
        `agent ${agentId}: receipts ${receipts.count}/${receipts.amount}, ledger ${ledger.count}/${ledger.amount}, chain ${chain.count}/${chain.amount}`,
      );
    }
  }
  return { perAgent, mismatches, exact: mismatches.length === 0 };
}
