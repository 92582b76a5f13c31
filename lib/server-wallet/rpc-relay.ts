import "server-only";
import type { Network } from "@/lib/chains/networks";
import { rpcUrlOf } from "@/lib/chains/rpc";

/**
 * A read-only JSON-RPC relay to a network's server-side RPC, for browser code (wagmi) that needs an RPC URL:
 * only methods that read the chain pass, so the relay can never send, sign or change anything.
 */
const READ_METHODS = new Set([
  "eth_chainId",
  "eth_blockNumber",
  "eth_call",
  "eth_getBalance",
  "eth_getCode",
  "eth_getTransactionCount",
  "eth_getTransactionReceipt",
  "eth_getTransactionByHash",
  "eth_estimateGas",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_feeHistory",
  "eth_getBlockByNumber",
  "eth_getLogs",
]);
/** The reads that run contract code, and so cost the node time in proportion to their gas. */
const EXECUTING_METHODS = new Set(["eth_call", "eth_estimateGas"]);
export const MAX_BODY_BYTES = 64 * 1024;
const MAX_BATCH = 20;
const MAX_LOG_BLOCKS = 1_000n;
const UPSTREAM_TIMEOUT_MS = 10_000;
/** How long a network's block gas limit is reused before it is read again. */
const GAS_LIMIT_TTL_MS = 5_000;

type Id = string | number | null;
interface RpcRequest {
  jsonrpc: "2.0";
  id: Id;
  method: string;
  params: unknown[];
}
export interface RpcError {
  jsonrpc: "2.0";
  id: Id;
  error: { code: number; message: string; data?: unknown };
}

export const rpcError = (id: Id, code: number, message: string, data?: unknown): RpcError => ({
  jsonrpc: "2.0",
  id,
  error: data === undefined ? { code, message } : { code, message, data },
});

/**
 * Answers a parsed request body (one request or a batch); returns the JSON to send back. `signal` is the
 * client's: when it hangs up, what was started upstream is aborted.
 */
export async function relayRpc(network: Network, body: unknown, signal?: AbortSignal): Promise<unknown> {
  const batch = Array.isArray(body);
  const items: unknown[] = batch ? body : [body];
  if (batch && (items.length === 0 || items.length > MAX_BATCH)) {
    return rpcError(null, -32600, `A batch holds 1 to ${MAX_BATCH} requests`);
  }
  const checked = items.map(checkRequest);
  const answers = await boundGas(network, checked);
  const results = await Promise.all(answers.map((a) => ("error" in a ? a : forward(network, a, signal))));
  return batch ? results : results[0];
}

/** The request to forward, or the error that answers it without reaching the chain. */
function checkRequest(item: unknown): RpcRequest | RpcError {
  const request = item as Partial<RpcRequest> | null;
  const id: Id = typeof request?.id === "string" || typeof request?.id === "number" ? request.id : null;
  if (!request || typeof request !== "object" || request.jsonrpc !== "2.0" || typeof request.method !== "string") {
    return rpcError(id, -32600, "Invalid request");
  }
  if (request.params !== undefined && !Array.isArray(request.params)) return rpcError(id, -32602, "params must be an array");
  if (!READ_METHODS.has(request.method)) {
    return rpcError(id, -32601, `Method ${request.method} is not available through this read-only relay`);
  }
  const params = request.params ?? [];
  if (request.method === "eth_getLogs") {
    const problem = logRangeProblem(params[0]);
    if (problem) return rpcError(id, -32602, problem);
  }
  if (EXECUTING_METHODS.has(request.method) && (typeof params[0] !== "object" || params[0] === null || Array.isArray(params[0]))) {
    return rpcError(id, -32602, `${request.method} needs a transaction object`);
  }
  return { jsonrpc: "2.0", id, method: request.method, params };
}

/**
 * The gas rule. A node runs eth_call and eth_estimateGas for as long as their gas lasts, and fills in a
 * missing `gas` with a block gas limit that the caller can raise through block overrides; so one call with
 * a huge `gas` (or a batch of them) could keep it busy for hours while every write waits. Hence:
 * - a call naming more gas than the chain's block gas limit is refused;
 * - a request (a batch counts as one) may spend at most one block's gas limit in all: when the gas its
 *   calls name adds up to more, all of it is refused;
 * - calls naming no gas share what the named ones leave, in equal parts, and are forwarded with that share
 *   as an explicit `gas`. A lone read (what wagmi and viem send, a multicall included) thus gets a whole
 *   block's gas, as on the node itself; eth_estimateGas searches within its share.
 */
async function boundGas(network: Network, requests: Array<RpcRequest | RpcError>): Promise<Array<RpcRequest | RpcError>> {
  const executing = requests.filter((r): r is RpcRequest => !("error" in r) && EXECUTING_METHODS.has(r.method));
  if (executing.length === 0) return requests;
  let blockGasLimit: bigint;
  try {
    blockGasLimit = await blockGasLimitOf(network);
  } catch (err) {
    const message = `${network.name} RPC unreachable: ${(err as Error).message}`;
    return requests.map((r) => (executing.includes(r as RpcRequest) ? rpcError(r.id, -32603, message) : r));
  }

  const refused = new Map<RpcRequest, RpcError>();
  let named = 0n;
  let unnamed = 0;
  for (const request of executing) {
    const gas = (request.params[0] as { gas?: unknown }).gas;
    if (gas === undefined || gas === null) {
      unnamed++;
      continue;
    }
    const value = parseQuantity(gas);
    if (value === null) refused.set(request, rpcError(request.id, -32602, "gas must be a hex quantity"));
    else if (value > blockGasLimit) {
      refused.set(request, rpcError(request.id, -32602, `gas ${value} is above the block gas limit (${blockGasLimit})`));
    } else named += value;
  }
  if (named > blockGasLimit) {
    const message = `The calls of this request name ${named} gas in all, more than one block's gas limit (${blockGasLimit})`;
    return requests.map((r) => ("error" in r ? r : rpcError(r.id, -32602, message)));
  }
  const share = unnamed > 0 ? (blockGasLimit - named) / BigInt(unnamed) : 0n;
  return requests.map((r) => {
    if ("error" in r || !executing.includes(r)) return r;
    const problem = refused.get(r);
    if (problem) return problem;
    const [tx, ...rest] = r.params as [Record<string, unknown>, ...unknown[]];
    if (tx.gas !== undefined && tx.gas !== null) return { ...r, params: [{ ...tx, gas: `0x${parseQuantity(tx.gas)!.toString(16)}` }, ...rest] };
    return { ...r, params: [{ ...tx, gas: `0x${share.toString(16)}` }, ...rest] };
  });
}

/** A JSON-RPC quantity (hex string) or a non-negative integer; null for anything else. */
function parseQuantity(value: unknown): bigint | null {
  if (typeof value === "string" && /^0x[0-9a-f]{1,64}$/i.test(value)) return BigInt(value);
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return null;
}

const gasLimits = new Map<string, { value: Promise<bigint>; at: number }>();

/** The latest block's gas limit, read at most once per GAS_LIMIT_TTL_MS per RPC URL (concurrent callers share the read). */
function blockGasLimitOf(network: Network, now = Date.now()): Promise<bigint> {
  const url = rpcUrlOf(network);
  const cached = gasLimits.get(url);
  if (cached && now - cached.at < GAS_LIMIT_TTL_MS) return cached.value;
  const value = (async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBlockByNumber", params: ["latest", false] }),
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
    const { result } = (await res.json()) as { result?: { gasLimit?: unknown } };
    const limit = parseQuantity(result?.gasLimit);
    if (limit === null) throw new Error("no gas limit in the latest block");
    return limit;
  })();
  gasLimits.set(url, { value, at: now });
  value.catch(() => gasLimits.delete(url));
  return value;
}

async function forward(network: Network, request: RpcRequest, clientSignal?: AbortSignal): Promise<unknown> {
  const timeout = AbortSignal.timeout(UPSTREAM_TIMEOUT_MS);
  try {
    const res = await fetch(rpcUrlOf(network), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
      // Aborting closes the upstream connection: the node stops being asked, and nothing waits for it here.
      signal: clientSignal ? AbortSignal.any([clientSignal, timeout]) : timeout,
    });
    return await res.json();
  } catch (err) {
    if (timeout.aborted) return rpcError(request.id, -32603, `${network.name} RPC did not answer within ${UPSTREAM_TIMEOUT_MS / 1000} s`);
    if (clientSignal?.aborted) return rpcError(request.id, -32603, "The client went away");
    return rpcError(request.id, -32603, `${network.name} RPC unreachable: ${(err as Error).message}`);
  }
}

/** eth_getLogs must name a block hash or numeric bounds at most MAX_LOG_BLOCKS apart. */
function logRangeProblem(filter: unknown): string | null {
  if (typeof filter !== "object" || filter === null) return "eth_getLogs needs a filter object";
  const { blockHash, fromBlock, toBlock } = filter as Record<string, unknown>;
  if (blockHash !== undefined) return fromBlock === undefined && toBlock === undefined ? null : "blockHash excludes a range";
  const hexBlock = (v: unknown) => (typeof v === "string" && /^0x[0-9a-f]+$/i.test(v) ? BigInt(v) : null);
  const from = hexBlock(fromBlock);
  const to = hexBlock(toBlock);
  if (from === null || to === null) return "eth_getLogs needs numeric fromBlock and toBlock";
  if (to < from || to - from >= MAX_LOG_BLOCKS) return `eth_getLogs ranges are limited to ${MAX_LOG_BLOCKS} blocks`;
  return null;
}
