import "server-only";
import {
  decodeErrorResult,
  decodeFunctionData,
  encodeFunctionData,
  parseAbi,
  parseEventLogs,
  TransactionReceiptNotFoundError,
  WaitForTransactionReceiptTimeoutError,
  type Abi,
  type Address,
  type Chain,
  type Hex,
  type PublicActions,
  type TransactionReceipt,
  type Transport,
} from "viem";
import { describeError } from "@/lib/errors";

/**
 * Batched exact settlements: the `transferWithAuthorization` calls our facilitator would send one transaction
 * each are queued and sent as one Multicall3 `aggregate3` (allowFailure per call), flushed when `maxSize` calls
 * are queued or `maxWaitMs` after the first one, whichever comes first. Each batch waits for one receipt, and
 * each caller learns its own outcome:
 * - before sending, the batch's gas is estimated with no call allowed to fail, which succeeds only if every call
 *   would: on the common path that one round trip is both the simulation and the gas limit. When it fails, the
 *   batch is simulated (eth_call of aggregate3, allowFailure per call): a call that would revert is taken out and
 *   its caller gets the token's revert reason (`authorization is used or canceled`, `... exceeds balance`, ...),
 *   which the SDK maps to its error codes as for a single settlement; the rest are estimated again;
 * - a batch of one is sent to its token directly, not through Multicall3;
 * - after the receipt, a call counts as settled only if the token logged `AuthorizationUsed(from, nonce)` in it.
 *   A call that passed the simulation but failed on chain (state changed in between) fails alone, by name.
 *
 * The batch is sent through the facilitator's sender (sender.ts), so it takes a nonce like any other transaction
 * of the key, across processes too.
 *
 * Gas: the estimate with allowFailure false (a node's estimate of an allowFailure call can be low enough for an
 * inner call to run out of gas while the batch itself succeeds), plus a margin; sent with allowFailure true.
 */

/** The canonical Multicall3, at the same address on Base, Base Sepolia and our local chain (lib/devchain). */
export const MULTICALL3: Address = "0xcA11bde05977b3631167028862bE2a173976CA11";

export const multicall3Abi = parseAbi([
  "struct Call3 { address target; bool allowFailure; bytes callData; }",
  "struct Result { bool success; bytes returnData; }",
  "function aggregate3(Call3[] calls) payable returns (Result[] returnData)",
]);

const tokenAbi = parseAbi([
  "event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)",
  "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)",
  "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature)",
]);
const errorStringAbi = parseAbi(["error Error(string reason)"]);

/** 10% over the estimate: the sent calldata differs (allowFailure true) and inner calls get 63/64 of what is left. */
const GAS_MARGIN_PERCENT = 110n;
/** Outcomes of recent batches, for the SDK's receipt wait that follows each settle. */
const RECEIPT_MEMORY_MS = 60_000;

/** The client's polling interval paces the receipt wait. */
type BatchClient = PublicActions<Transport, Chain> & { pollingInterval: number };

export interface BatcherOptions {
  client: BatchClient;
  /** The facilitator key's address (the simulation's `from`). */
  account: Address;
  /** Sends one transaction of the facilitator's key (FacilitatorSender.sendTransaction). */
  send(args: { to: Hex; data: Hex; gas?: bigint }): Promise<Hex>;
  maxSize: number;
  maxWaitMs: number;
  confirmationTimeoutMs: number;
  multicall3?: Address;
}

/** One queued call: the token, the authorization's key, and the call data. */
interface Entry {
  token: Address;
  from: Address;
  nonce: Hex;
  data: Hex;
  resolve(hash: Hex): void;
  reject(err: Error): void;
}

/**
 * A call of a batch that did not settle; the message carries the token's reason where there is one. `beforeSending`:
 * it was refused before any transaction carried it (the simulation's revert, a duplicate), so nothing of it is on
 * its way to the chain.
 */
export class BatchCallFailed extends Error {
  constructor(
    message: string,
    readonly beforeSending = false,
  ) {
    super(message);
    this.name = "BatchCallFailed";
  }
}

export class SettlementBatcher {
  private queue: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly receipts = new Map<string, { at: number; receipt: TransactionReceipt }>();
  private readonly multicall3: Address;
  /** Batches sent and their sizes, for tests and the bench. */
  readonly sent: { hash: Hex; calls: number }[] = [];

  constructor(private readonly opts: BatcherOptions) {
    this.multicall3 = opts.multicall3 ?? MULTICALL3;
  }

  /** Whether a writeContract of the SDK is one this batcher takes. */
  static takes(args: { functionName: string }): boolean {
    return args.functionName === "transferWithAuthorization";
  }

  /**
   * Queues one `transferWithAuthorization` and resolves with the batch's transaction hash once its receipt shows
   * this authorization used; rejects with the reason when this call did not settle.
   */
  submit(args: { address: Address; abi: readonly unknown[]; functionName: string; args: readonly unknown[]; dataSuffix?: Hex }): Promise<Hex> {
    const encoded = encodeFunctionData({ abi: args.abi as Abi, functionName: args.functionName, args: args.args });
    const data = args.dataSuffix ? (`${encoded}${args.dataSuffix.slice(2)}` as Hex) : encoded;
    const decoded = decodeFunctionData({ abi: tokenAbi, data: encoded });
    const [from, , , , , nonce] = decoded.args as readonly [Address, Address, bigint, bigint, bigint, Hex, ...unknown[]];
    return new Promise<Hex>((resolve, reject) => {
      this.queue.push({ token: args.address, from, nonce, data, resolve, reject });
      if (this.queue.length >= this.opts.maxSize) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.opts.maxWaitMs);
    });
  }

  /** The receipt of a batch this batcher sent recently, so a settle's own receipt wait costs no RPC call. */
  receiptOf(hash: Hex): TransactionReceipt | undefined {
    return this.receipts.get(hash.toLowerCase())?.receipt;
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxSize);
      void this.flush(batch).catch((err: unknown) => {
        const failure = err instanceof Error ? err : new Error(String(err));
        for (const entry of batch) entry.reject(failure);
      });
    }
  }

  private async flush(batch: Entry[]): Promise<void> {
    // The same authorization twice in a batch (an outside seller's retry): only the first is sent.
    const seen = new Set<string>();
    const unique: Entry[] = [];
    for (const entry of batch) {
      const key = `${entry.token}:${entry.from}:${entry.nonce}`.toLowerCase();
      if (seen.has(key)) entry.reject(new BatchCallFailed("transferWithAuthorization reverted: authorization is used or canceled (twice in one batch)", true));
      else {
        seen.add(key);
        unique.push(entry);
      }
    }
    let live = unique;
    let gas = await this.estimate(live).catch(() => null);
    if (gas === null) {
      // Some call would revert (or the estimate failed): the simulation says which, with the token's reason.
      live = await this.simulate(live);
      if (live.length === 0) return;
      gas = await this.estimate(live);
    }
    const hash = await this.opts.send({ ...this.transaction(live, true), gas: (gas * GAS_MARGIN_PERCENT) / 100n });
    this.sent.push({ hash, calls: live.length });
    if (this.sent.length > 1_000) this.sent.splice(0, this.sent.length - 1_000);
    // One receipt wait for the whole batch.
    const receipt = await this.waitForReceipt(hash);
    this.remember(receipt);
    if (receipt.status !== "success") {
      for (const entry of live) entry.reject(new BatchCallFailed(`the batch transaction ${hash} reverted`));
      return;
    }
    const used = new Set(
      parseEventLogs({ abi: tokenAbi, eventName: "AuthorizationUsed", logs: receipt.logs }).map((log) =>
        `${log.address}:${log.args.authorizer}:${log.args.nonce}`.toLowerCase(),
      ),
    );
    for (const entry of live) {
      if (used.has(`${entry.token}:${entry.from}:${entry.nonce}`.toLowerCase())) entry.resolve(hash);
      else entry.reject(new BatchCallFailed(`transferWithAuthorization failed inside batch ${hash}`));
    }
  }

  /**
   * The transaction for these calls: a lone call goes to its token as it is (Multicall3 would add its own call
   * overhead, ~6k gas, for nothing); several go through aggregate3, each allowed to fail alone when sent.
   */
  private transaction(entries: Entry[], allowFailure: boolean): { to: Address; data: Hex } {
    if (entries.length === 1) return { to: entries[0]!.token, data: entries[0]!.data };
    const calls = entries.map((e) => ({ target: e.token, allowFailure, callData: e.data }));
    return { to: this.multicall3, data: encodeFunctionData({ abi: multicall3Abi, functionName: "aggregate3", args: [calls] }) };
  }

  /**
   * The gas of these calls, estimated with no call allowed to fail: it succeeds only if every call would, so on
   * the common path it is the simulation too (one round trip, not two).
   */
  private estimate(entries: Entry[]): Promise<bigint> {
    return this.opts.client.estimateGas({ account: this.opts.account, ...this.transaction(entries, false) });
  }

  /** Simulates the calls (allowFailure each), rejects those that would revert with the token's reason, returns the rest. */
  private async simulate(entries: Entry[]): Promise<Entry[]> {
    const simulated = await this.opts.client.simulateContract({
      address: this.multicall3,
      abi: multicall3Abi,
      functionName: "aggregate3",
      args: [entries.map((e) => ({ target: e.token, allowFailure: true, callData: e.data }))],
      account: this.opts.account,
    });
    const live: Entry[] = [];
    simulated.result.forEach((result, i) => {
      const entry = entries[i]!;
      if (result.success) live.push(entry);
      else entry.reject(new BatchCallFailed(`transferWithAuthorization reverted: ${revertReason(result.returnData)}`, true));
    });
    return live;
  }

  /**
   * The batch's one receipt wait: asks for the receipt every polling interval until it is there (viem's wait also
   * watches block numbers and looks the transaction up for replacements, two more calls a poll). As with viem's, an
   * RPC failure ends the wait with that error at once (the payments are then pending, and reconciliation reads the
   * chain), and a receipt still missing at the timeout ends it with viem's timeout error.
   */
  private async waitForReceipt(hash: Hex): Promise<TransactionReceipt> {
    const { client, confirmationTimeoutMs } = this.opts;
    const deadline = performance.now() + confirmationTimeoutMs;
    for (;;) {
      try {
        return await client.getTransactionReceipt({ hash });
      } catch (err) {
        if (!(err instanceof TransactionReceiptNotFoundError)) throw err;
      }
      if (performance.now() >= deadline) throw new WaitForTransactionReceiptTimeoutError({ hash });
      await new Promise((resolve) => setTimeout(resolve, client.pollingInterval));
    }
  }

  private remember(receipt: TransactionReceipt): void {
    const now = performance.now();
    for (const [hash, kept] of this.receipts) if (now - kept.at > RECEIPT_MEMORY_MS) this.receipts.delete(hash);
    this.receipts.set(receipt.transactionHash.toLowerCase(), { at: now, receipt });
  }
}

/** The revert reason of a failed inner call, in words. */
function revertReason(data: Hex): string {
  if (data === "0x") return "reverted without a reason";
  try {
    const decoded = decodeErrorResult({ abi: errorStringAbi, data });
    return String(decoded.args[0]);
  } catch (err) {
    return `reverted (${describeError(err)}; data ${data.slice(0, 74)})`;
  }
}

