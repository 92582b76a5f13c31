/**
 * The browser's own check of a payment, with the chain as the judge and the agent's receipt as a mere hint:
 * a payment is settled only if a successful transaction used the EIP-3009 authorization this client signed
 * (the token's `AuthorizationUsed(payer, nonce)`) and moved exactly the signed amount from the payer to the
 * signed payee (the token's `Transfer`). Reads go through any viem client; in the browser, the app's
 * read-only relay (`/api/rpc/:chainId`).
 */
import { isAddressEqual, pad, parseAbi, parseEventLogs, toEventSelector, toHex, type Address, type Hex, type PublicClient } from "viem";
import type { SignedAuthorization } from "@/lib/x402/shared/receipt";

export type ChainReader = Pick<PublicClient, "getTransactionReceipt" | "readContract" | "getBlock" | "getBlockNumber" | "request">;

const tokenAbi = parseAbi([
  "function authorizationState(address authorizer, bytes32 nonce) view returns (bool)",
  "event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)",
  "event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce)",
  "event Transfer(address indexed from, address indexed to, uint256 value)",
]);
const nonceEvents = [toEventSelector(tokenAbi[1]), toEventSelector(tokenAbi[2])];

/** The read-only relay accepts eth_getLogs over at most 1,000 blocks. */
export const LOG_WINDOW_BLOCKS = 1_000n;

export type SettlementCheck = { ok: true; transaction: Hex } | { ok: false; reason: string };

/** Whether `transaction` is the settlement of `auth`: succeeded, used its nonce, paid exactly what was signed. */
export async function checkSettlement(chain: ChainReader, auth: SignedAuthorization, transaction: string | undefined): Promise<SettlementCheck> {
  if (!transaction) return { ok: false, reason: "the agent named no transaction" };
  if (!/^0x[0-9a-fA-F]{64}$/.test(transaction)) return { ok: false, reason: "the agent's transaction is not a transaction hash" };
  const hash = transaction as Hex;
  let receipt;
  try {
    receipt = await chain.getTransactionReceipt({ hash });
  } catch (err) {
    if ((err as Error).name === "TransactionReceiptNotFoundError") return { ok: false, reason: "the agent's transaction is not on chain" };
    throw err;
  }
  if (receipt.status !== "success") return { ok: false, reason: "the agent's transaction reverted" };
  const fromToken = receipt.logs.filter((log) => isAddressEqual(log.address, auth.asset as Address));
  const logs = parseEventLogs({ abi: tokenAbi, logs: fromToken });
  const usedNonce = logs.some(
    (l) => l.eventName === "AuthorizationUsed" && isAddressEqual(l.args.authorizer, auth.payer as Address) && l.args.nonce.toLowerCase() === auth.nonce.toLowerCase(),
  );
  if (!usedNonce) return { ok: false, reason: "the agent's transaction did not use this payment's authorization" };
  const paid = logs.some(
    (l) =>
      l.eventName === "Transfer" &&
      isAddressEqual(l.args.from, auth.payer as Address) &&
      isAddressEqual(l.args.to, auth.payTo as Address) &&
      l.args.value === BigInt(auth.value),
  );
  if (!paid) return { ok: false, reason: "the agent's transaction did not move the signed amount to the signed payee" };
  return { ok: true, transaction: hash };
}

/**
 * Where an authorization stands on chain now. `settled`: used, by the transaction named (checked as above).
 * `expired`/`canceled`: it can never move money. `open`: unused and still valid, or used but its transaction
 * not found yet in the blocks searched; `scannedTo` is where the next search may resume.
 */
export type Resolution =
  | { state: "settled"; transaction: Hex }
  | { state: "expired" | "canceled" }
  | { state: "open"; scannedTo?: string; reason: string };

export async function resolveAuthorization(
  chain: ChainReader,
  auth: SignedAuthorization,
  opts: { scannedTo?: string; maxWindows?: number } = {},
): Promise<Resolution> {
  const head = await chain.getBlock({ blockTag: "latest" });
  const blockNumber = head.number!;
  const used = await chain.readContract({
    address: auth.asset as Address,
    abi: tokenAbi,
    functionName: "authorizationState",
    args: [auth.payer as Address, auth.nonce as Hex],
    blockNumber,
  });
  if (!used) {
    // The token refuses it once block.timestamp >= validBefore, and no later block has an earlier timestamp.
    if (head.timestamp >= BigInt(auth.validBefore)) return { state: "expired" };
    return { state: "open", reason: "not settled on chain yet" };
  }
  let from = opts.scannedTo !== undefined ? BigInt(opts.scannedTo) + 1n : BigInt(auth.fromBlock ?? 0);
  for (let windows = 0; from <= blockNumber && windows < (opts.maxWindows ?? 20); windows++) {
    const to = from + LOG_WINDOW_BLOCKS - 1n < blockNumber ? from + LOG_WINDOW_BLOCKS - 1n : blockNumber;
    // Raw eth_getLogs: one query for either event, by payer and nonce.
    const raw = await chain.request({
      method: "eth_getLogs",
      params: [{ address: auth.asset as Address, topics: [nonceEvents, pad(auth.payer as Hex), auth.nonce as Hex], fromBlock: toHex(from), toBlock: toHex(to) }],
    });
    const log = parseEventLogs({ abi: tokenAbi, logs: raw })[0];
    if (log?.eventName === "AuthorizationCanceled") return { state: "canceled" };
    if (log) {
      const check = await checkSettlement(chain, auth, log.transactionHash);
      return check.ok ? { state: "settled", transaction: check.transaction } : { state: "open", reason: check.reason };
    }
    opts = { ...opts, scannedTo: to.toString() };
    from = to + 1n;
  }
  return { state: "open", scannedTo: opts.scannedTo, reason: "used on chain; its transaction was not found yet" };
}

/**
 * Right after a reply: the agent's transaction if it proves the payment, else whatever the chain shows for
 * the authorization (an agent may settle and name another hash).
 */
export async function confirmPayment(chain: ChainReader, auth: SignedAuthorization, claimedTransaction: string | undefined): Promise<SettlementCheck> {
  const claimed = await checkSettlement(chain, auth, claimedTransaction);
  if (claimed.ok) return claimed;
  const found = await resolveAuthorization(chain, auth, { maxWindows: 5 });
  if (found.state === "settled") return { ok: true, transaction: found.transaction };
  return { ok: false, reason: claimed.reason };
}
