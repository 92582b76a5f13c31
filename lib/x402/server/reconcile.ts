import "server-only";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { pad, parseAbi, parseEventLogs, toEventSelector, toHex, type Address, type Hex, type PublicClient } from "viem";
import { networkByX402Id } from "@/lib/chains/networks";
import { publicClientOf } from "@/lib/chains/rpc";
import { env } from "@/lib/env";
import { getLedger, type Ledger, type Payment } from "@/lib/ledger";
import { processSingleton } from "@/lib/singleton";
import { getResourceServer } from "./resource-server";
import { settleAndRecord } from "./settlement";

/**
 * Finishes payments that a crash, a dead RPC or a dead facilitator left
 * unfinished, with the chain as the judge: the token's EIP-3009 nonce says
 * whether the authorization was used. Used: the ledger records its
 * transaction. Unused and still valid: settle it now. Unused and expired: it
 * can never move money, so it failed and nobody was charged. A payment still
 * `verified` never started its reply (settling starts at the first output), so
 * it is voided, as a reply that failed before answering is.
 *
 * At most once: a retry first claims the row (conditional on the status and
 * attempt count it read), and the token refuses a nonce it has seen.
 */

const eip3009Abi = parseAbi([
  "function authorizationState(address authorizer, bytes32 nonce) view returns (bool)",
  "event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)",
  "event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce)",
]);

const eventTopics = [toEventSelector(eip3009Abi[1]), toEventSelector(eip3009Abi[2])];

/** A settlement sent this close to validBefore may be mined too late: wait for expiry instead. */
const VALIDITY_MARGIN_S = 30n;
/** Log searches go back this far (~2 days of Base blocks), in windows public RPCs accept. */
const LOOKBACK_BLOCKS = 100_000n;
const LOG_WINDOW_BLOCKS = 5_000n;
const RECONCILE_INTERVAL_MS = 30_000;

/** settled: found on chain; retried: settled now; pending: the retry failed transiently and will run again. */
export type ReconcileAction = "settled" | "retried" | "pending" | "failed" | "voided" | "skipped";
export interface ReconcileReport {
  paymentId: string;
  action: ReconcileAction;
  detail: string;
}

export async function reconcileUnfinishedPayments(opts: { olderThanMs?: number } = {}): Promise<ReconcileReport[]> {
  const ledger = await getLedger();
  const rows = await ledger.listUnfinishedPayments({ olderThanMs: opts.olderThanMs ?? reconcileAfterMs() });
  const reports: ReconcileReport[] = [];
  for (const row of rows) {
    const [action, detail] = await reconcileOne(ledger, row).catch((err: unknown): [ReconcileAction, string] => [
      "skipped",
      `will try again: ${(err as Error).message}`,
    ]);
    reports.push({ paymentId: row.id, action, detail });
  }
  return reports;
}

async function reconcileOne(ledger: Ledger, row: Payment): Promise<[ReconcileAction, string]> {
  const network = networkByX402Id(row.network);
  if (!network) return ["skipped", `unknown network ${row.network}`];
  const chain = publicClientOf(network);
  const token = row.asset as Address;

  const onChain = await authorizationOnChain(chain, token, row);
  if (onChain !== "unused") return recordChainOutcome(ledger, row, onChain);

  const latest = await chain.getBlock({ blockTag: "latest" });
  const validBefore = BigInt(row.validBefore);
  if (validBefore <= latest.timestamp) {
    // No later block can include it: it never moved money.
    const reason = "expired before settlement; not charged";
    if (row.status === "verified") return moveOrSkip(await ledger.markVoided(row.id, reason), "voided", reason);
    const claim = await ledger.claimForRetry(row);
    if (!claim.moved) return ["skipped", "taken by another process"];
    return moveOrSkip(await ledger.markFailed(row.id, reason), "failed", reason);
  }
  if (row.status === "verified") {
    const reason = "the server stopped before the reply started; not charged";
    return moveOrSkip(await ledger.markVoided(row.id, reason), "voided", reason);
  }
  if (validBefore - VALIDITY_MARGIN_S <= latest.timestamp) return ["skipped", "about to expire; waiting for expiry"];
  if (!row.paymentPayload || !row.paymentRequirements) return ["skipped", "no stored payload to settle with"];

  const claim = await ledger.claimForRetry(row);
  if (!claim.moved) return ["skipped", "taken by another process"];
  const payload = JSON.parse(row.paymentPayload) as PaymentPayload;
  const requirements = JSON.parse(row.paymentRequirements) as PaymentRequirements;
  const outcome = await settleAndRecord(await getResourceServer(), ledger, row.id, payload, requirements);
  if (outcome.status === "settled") return ["retried", `settled in ${outcome.transaction}`];
  // A failed attempt may still have used the nonce (e.g. a receipt that came late): ask the chain again.
  const after = await authorizationOnChain(chain, token, row);
  if (after !== "unused") {
    const current = (await ledger.getPayment(row.id))!;
    return recordChainOutcome(ledger, current, after);
  }
  return [outcome.status, outcome.reason];
}

type ChainOutcome = { used: Hex } | "canceled" | "unused" | "used, transaction not found";

async function authorizationOnChain(chain: PublicClient, token: Address, row: Payment): Promise<ChainOutcome> {
  const args = [row.payer as Address, row.nonce as Hex] as const;
  const used = await chain.readContract({ address: token, abi: eip3009Abi, functionName: "authorizationState", args });
  if (!used) return "unused";
  // Not viem's cached block number (up to 4 s old): a batch mined since would fall outside the search and read as
  // "used, transaction not found" (seen after a settlement worker was killed mid-batch).
  const latest = await chain.getBlockNumber({ cacheTime: 0 });
  const floor = latest > LOOKBACK_BLOCKS ? latest - LOOKBACK_BLOCKS : 0n;
  for (let to = latest; to >= floor; to -= LOG_WINDOW_BLOCKS) {
    const from = to - LOG_WINDOW_BLOCKS + 1n > floor ? to - LOG_WINDOW_BLOCKS + 1n : floor;
    // Raw eth_getLogs: viem's getLogs filters by indexed args for one event only, and we want either.
    const raw = await chain.request({
      method: "eth_getLogs",
      params: [{ address: token, topics: [eventTopics, pad(args[0]), args[1]], fromBlock: toHex(from), toBlock: toHex(to) }],
    });
    const logs = parseEventLogs({ abi: eip3009Abi, logs: raw });
    const log = logs[0];
    if (log) return log.eventName === "AuthorizationUsed" ? { used: log.transactionHash } : "canceled";
    if (from === floor) break;
  }
  return "used, transaction not found";
}

async function recordChainOutcome(ledger: Ledger, row: Payment, outcome: Exclude<ChainOutcome, "unused">): Promise<[ReconcileAction, string]> {
  if (outcome === "used, transaction not found") return ["skipped", "the nonce is used on chain but its transaction was not found"];
  if (outcome === "canceled") {
    const reason = "the payer canceled the authorization before settlement; not charged";
    if (row.status === "verified") return moveOrSkip(await ledger.markVoided(row.id, reason), "voided", reason);
    if (row.status !== "settling" && !(await ledger.claimForRetry(row)).moved) return ["skipped", "taken by another process"];
    return moveOrSkip(await ledger.markFailed(row.id, reason), "failed", reason);
  }
  // The money moved: the ledger must say so, whatever state it was left in (settled is reached through settling).
  if (row.status !== "settling" && !(await ledger.claimForRetry(row)).moved) return ["skipped", "taken by another process"];
  return moveOrSkip(await ledger.markSettled(row.id, { txHash: outcome.used }), "settled", `found on chain: ${outcome.used}`);
}

function moveOrSkip(result: { moved: boolean }, action: ReconcileAction, detail: string): [ReconcileAction, string] {
  return result.moved ? [action, detail] : ["skipped", "taken by another process"];
}

/** RECONCILE_AFTER_MS: how old an unfinished payment must be before it counts as stuck. */
function reconcileAfterMs(): number {
  return env.RECONCILE_AFTER_MS;
}

/**
 * Reconciles now and every 30 s after, one pass at a time. Never throws: a
 * failed pass is logged and the next one tries again.
 */
export function startReconciler(): void {
  processSingleton("reconciler", runReconciler);
}

function runReconciler(): NodeJS.Timeout {
  let running = false;
  const pass = async () => {
    if (running) return;
    running = true;
    try {
      const reports = await reconcileUnfinishedPayments();
      for (const r of reports) if (r.action !== "skipped") console.log(`[x402] reconciled payment ${r.paymentId}: ${r.action} (${r.detail})`);
    } catch (err) {
      console.error(`[x402] reconciliation failed: ${(err as Error).message}`);
    } finally {
      running = false;
    }
  };
  void pass();
  // unref: the timer alone must not keep a stopping server alive.
  return setInterval(() => void pass(), RECONCILE_INTERVAL_MS).unref();
}
