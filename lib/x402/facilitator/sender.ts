import "server-only";
import pg from "pg";
import { BaseError, encodeFunctionData, type Abi, type Chain, type Hex, type PublicActions, type Transport, type WalletClient } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { env } from "@/lib/env";

/**
 * Sends the facilitator's transactions (exact settlements, tab deposits, claims, settles, refunds) so that no two
 * get one nonce, even from several app processes on one key.
 *
 * Why a lock and not a retry alone: two senders that pick one nonce do not always get an error. When the later
 * transaction pays more gas (its fees were estimated a block earlier), the node takes it as a REPLACEMENT of the
 * first, and the first vanishes from the pool without a word: its payment waits for a receipt that never comes
 * (measured on anvil: 1 to 7 of 40 settlements from two senders ended `settlement_pending` that way). So each
 * send takes its nonce and hands the signed transaction to the node in turn: in this process behind a promise
 * chain, across processes behind a Postgres advisory lock (DATABASE_URL, the ledger's database, which every
 * process of one deployment shares). Gas and fees are worked out before the turn; only a nonce read, the
 * signature and the send happen inside it. The receipt waits stay outside, in parallel, as before.
 *
 * A send the node still refuses for its nonce (another sender outside this lock, a node whose pending count
 * lags) never entered the pool, so it is sent again with a fresh nonce, a bounded number of times.
 *
 * Round trips per transaction: the chain id is the client's, the transaction is signed by the local account,
 * fees are read once per FEE_TTL_MS, and the gas limit is the caller's (the batcher's estimate) or one estimate.
 * Where this process is the key's only sender (no shared database: PGlite serves one process), the nonce is
 * kept here and read from the chain only after a send failed; with a lock shared by several processes it is
 * read inside every turn, since another process may have sent since (a stale nonce whose transaction is still
 * in the pool would replace it, see above). So a plain send costs one eth_sendRawTransaction.
 */

/** Bounds the resends of a transaction the node refused for its nonce. */
export const SEND_ATTEMPTS = 5;

/**
 * What nodes answer to a nonce already taken: "nonce too low" (geth, and anvil's -32003 text), anvil's "Nonce
 * provided for the transaction is lower than the current nonce", and, on a chain with a pool, "replacement
 * transaction underpriced". Not "already known": that is the very same signed transaction, which is in the pool;
 * sending it again under a new nonce would duplicate it.
 */
const NONCE_TAKEN = /nonce too low|nonce provided for the transaction is lower|replacement transaction underpriced/i;

/**
 * What nodes answer to fees below what the next block needs (geth's and anvil's "max fee per gas less than block
 * base fee", geth's pool minimum "transaction underpriced"): the transaction never entered the pool, and is sent
 * again with fees read afresh. A replacement's "underpriced" is NONCE_TAKEN's, checked first.
 */
const FEE_TOO_LOW = /max fee per gas less than block base fee|fee cap less than block base fee|(?<!replacement )transaction underpriced/i;

function someLayerSays(err: unknown, pattern: RegExp): boolean {
  // viem wraps the node's answer (TransactionExecutionError > RpcRequestError ...): look at every layer.
  for (let e: unknown = err, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof BaseError && (pattern.test(e.details) || pattern.test(e.shortMessage))) return true;
    if (e instanceof Error && pattern.test(e.message)) return true;
  }
  return false;
}

export function isNonceTaken(err: unknown): boolean {
  return someLayerSays(err, NONCE_TAKEN);
}

export function isFeeTooLow(err: unknown): boolean {
  return !isNonceTaken(err) && someLayerSays(err, FEE_TOO_LOW);
}

/**
 * Runs `fn` while no other process of the deployment sends from `key`. `processOnly`: there is no other process
 * (the lock excludes nothing), so a nonce kept by this process's sender is the key's.
 */
export type CrossProcessLock = (<T>(key: string, fn: () => Promise<T>) => Promise<T>) & { processOnly?: boolean };

/** No other process to exclude (PGlite serves one process). */
export const noLock: CrossProcessLock = Object.assign(<T>(_key: string, fn: () => Promise<T>) => fn(), { processOnly: true });

/**
 * How long fees read from the chain are used (about a block on Base). The max fee is twice the base fee plus the
 * tip, so it stays above the base fee through several blocks of full ones (+12.5% each); a node that refuses it
 * anyway gets fresh fees (FEE_TOO_LOW).
 */
export const FEE_TTL_MS = 2_000;

/** A transaction-scoped advisory lock on a small pool of its own, so a waiting send never holds a ledger connection. */
export function postgresSendLock(connectionString: string): CrossProcessLock & { close(): Promise<void> } {
  const pool = new pg.Pool({ connectionString, max: 4, allowExitOnIdle: true });
  // An idle client that loses its connection emits on the pool; unheard, that would crash the server.
  pool.on("error", (err) => console.error("facilitator: idle Postgres connection (send lock) failed", err));
  const lock: CrossProcessLock = async (key, fn) => {
    const client = await pool.connect();
    let healthy = true;
    try {
      await client.query("begin");
      await client.query("select pg_advisory_xact_lock(hashtextextended($1, 402))", [key]);
      return await fn();
    } finally {
      // Ending the transaction frees the lock; what fn sent stands whatever happens here. A connection that
      // cannot end it is destroyed, which frees the lock too.
      await client.query("rollback").catch(() => {
        healthy = false;
      });
      client.release(!healthy);
    }
  };
  return Object.assign(lock, { close: () => pool.end() });
}

/** The deployment's lock: Postgres when the ledger is there, else none. One per process. */
export function defaultSendLock(): CrossProcessLock {
  return env.DATABASE_URL ? postgresSendLock(env.DATABASE_URL) : noLock;
}

type SendingClient = WalletClient<Transport, Chain> & PublicActions<Transport, Chain>;

export interface WriteContractArgs {
  address: Hex;
  abi: readonly unknown[];
  functionName: string;
  args: readonly unknown[];
  gas?: bigint;
  dataSuffix?: Hex;
}

type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

export class FacilitatorSender {
  /** The tail of this process's queue of sends. */
  private turn: Promise<unknown> = Promise.resolve();
  /** The last nonce this process sent with: a node may not count it as pending yet. */
  private lastNonce: number | undefined;
  /** The next nonce, kept while this process is the key's only sender and its last send went through. */
  private nextNonce: number | undefined;
  private fees: { at: number; fees: Promise<Fees> } | undefined;
  private readonly lockKey: string;

  constructor(
    private readonly client: SendingClient,
    private readonly account: PrivateKeyAccount,
    private readonly lock: CrossProcessLock,
  ) {
    this.lockKey = `facilitator-nonce:${client.chain.id}:${account.address.toLowerCase()}`;
  }

  writeContract(args: WriteContractArgs): Promise<Hex> {
    const data = encodeFunctionData({ abi: args.abi as Abi, functionName: args.functionName, args: args.args });
    return this.sendTransaction({ to: args.address, data: args.dataSuffix ? `${data}${args.dataSuffix.slice(2)}` : data, gas: args.gas });
  }

  async sendTransaction(args: { to: Hex; data: Hex; gas?: bigint }): Promise<Hex> {
    // Gas (an estimate, which also refuses a reverting call) and fees, outside the turn.
    const gas = args.gas ?? (await this.client.estimateGas({ account: this.account, to: args.to, data: args.data }));
    for (let attempt = 1; ; attempt++) {
      const fees = await this.currentFees();
      try {
        return await this.inTurn(async () => {
          const nonce = await this.takeNonce();
          try {
            const serializedTransaction = await this.account.signTransaction(
              { chainId: this.client.chain.id, type: "eip1559", to: args.to, data: args.data, gas, nonce, ...fees },
              { serializer: this.client.chain.serializers?.transaction },
            );
            const hash = await this.client.sendRawTransaction({ serializedTransaction });
            this.lastNonce = nonce;
            this.nextNonce = nonce + 1;
            return hash;
          } catch (err) {
            // Whether the node took it or not, the chain's count is the guide from here on.
            this.nextNonce = undefined;
            throw err;
          }
        });
      } catch (err) {
        if (attempt >= SEND_ATTEMPTS) throw err;
        if (isFeeTooLow(err)) this.fees = undefined;
        else if (isNonceTaken(err)) this.lastNonce = undefined; // someone else's transaction holds that nonce
        else throw err;
      }
    }
  }

  private async takeNonce(): Promise<number> {
    if (this.lock.processOnly && this.nextNonce !== undefined) return this.nextNonce;
    const pending = await this.client.getTransactionCount({ address: this.account.address, blockTag: "pending" });
    return this.lastNonce !== undefined && this.lastNonce >= pending ? this.lastNonce + 1 : pending;
  }

  private currentFees(): Promise<Fees> {
    if (this.fees && performance.now() - this.fees.at < FEE_TTL_MS) return this.fees.fees;
    const fees = (async () => {
      const [block, maxPriorityFeePerGas] = await Promise.all([
        this.client.getBlock({ blockTag: "latest" }),
        this.client.estimateMaxPriorityFeePerGas(),
      ]);
      return { maxFeePerGas: 2n * (block.baseFeePerGas ?? 0n) + maxPriorityFeePerGas, maxPriorityFeePerGas };
    })();
    const entry = { at: performance.now(), fees };
    this.fees = entry;
    // A failed read is not kept.
    fees.catch(() => {
      if (this.fees === entry) this.fees = undefined;
    });
    return fees;
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(() => this.lock(this.lockKey, fn));
    this.turn = run.catch(() => undefined);
    return run;
  }
}
