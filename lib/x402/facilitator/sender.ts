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

export function isNonceTaken(err: unknown): boolean {
  // viem wraps the node's answer (TransactionExecutionError > RpcRequestError ...): look at every layer.
  for (let e: unknown = err, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof BaseError && (NONCE_TAKEN.test(e.details) || NONCE_TAKEN.test(e.shortMessage))) return true;
    if (e instanceof Error && NONCE_TAKEN.test(e.message)) return true;
  }
  return false;
}

/** Runs `fn` while no other process of the deployment sends from `key`. */
export type CrossProcessLock = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

/** No other process to exclude (PGlite serves one process). */
const noLock: CrossProcessLock = (_key, fn) => fn();

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

export class FacilitatorSender {
  /** The tail of this process's queue of sends. */
  private turn: Promise<unknown> = Promise.resolve();
  /** The last nonce this process sent with: a node may not count it as pending yet. */
  private lastNonce: number | undefined;
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
    // Gas (an estimate, which also refuses a reverting call as before) and fees, outside the turn.
    const prepared = await this.client.prepareTransactionRequest({
      account: this.account,
      chain: this.client.chain,
      to: args.to,
      data: args.data,
      gas: args.gas,
      parameters: ["chainId", "fees", "gas", "type"],
    });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.inTurn(async () => {
          const pending = await this.client.getTransactionCount({ address: this.account.address, blockTag: "pending" });
          const nonce = this.lastNonce !== undefined && this.lastNonce >= pending ? this.lastNonce + 1 : pending;
          const serializedTransaction = await this.client.signTransaction({ ...prepared, nonce } as Parameters<SendingClient["signTransaction"]>[0]);
          const hash = await this.client.sendRawTransaction({ serializedTransaction });
          this.lastNonce = nonce;
          return hash;
        });
      } catch (err) {
        if (attempt >= SEND_ATTEMPTS || !isNonceTaken(err)) throw err;
        // Someone else's transaction holds that nonce: our own count is no guide any more.
        this.lastNonce = undefined;
      }
    }
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(() => this.lock(this.lockKey, fn));
    this.turn = run.catch(() => undefined);
    return run;
  }
}
