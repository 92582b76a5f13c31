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
export const MAX_BODY_BYTES = 64 * 1024;
const MAX_BATCH = 20;
const MAX_LOG_BLOCKS = 1_000n;
const UPSTREAM_TIMEOUT_MS = 10_000;

type Id = string | number | null;
interface RpcRequest {
  jsonrpc: "2.0";
  id: Id;
  method: string;
  params?: unknown[];
}
export interface RpcError {
  jsonrpc: "2.0";
  id: Id;
  error: { code: number; message: string };
}

const rpcError = (id: Id, code: number, message: string): RpcError => ({ jsonrpc: "2.0", id, error: { code, message } });

/** Answers a request body (text); returns the JSON to send back (one object or a batch array). */
export async function relayRpc(network: Network, bodyText: string): Promise<unknown> {
  if (new TextEncoder().encode(bodyText).length > MAX_BODY_BYTES) {
    return rpcError(null, -32600, `Request body larger than ${MAX_BODY_BYTES} bytes`);
  }
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return rpcError(null, -32700, "Parse error");
  }
  if (Array.isArray(body)) {
    if (body.length === 0 || body.length > MAX_BATCH) {
      return rpcError(null, -32600, `A batch holds 1 to ${MAX_BATCH} requests`);
    }
    return Promise.all(body.map((item) => relayOne(network, item)));
  }
  return relayOne(network, body);
}

async function relayOne(network: Network, item: unknown): Promise<unknown> {
  const request = item as Partial<RpcRequest> | null;
  const id: Id = typeof request?.id === "string" || typeof request?.id === "number" ? request.id : null;
  if (!request || typeof request !== "object" || request.jsonrpc !== "2.0" || typeof request.method !== "string") {
    return rpcError(id, -32600, "Invalid request");
  }
  if (request.params !== undefined && !Array.isArray(request.params)) return rpcError(id, -32602, "params must be an array");
  if (!READ_METHODS.has(request.method)) {
    return rpcError(id, -32601, `Method ${request.method} is not available through this read-only relay`);
  }
  if (request.method === "eth_getLogs") {
    const problem = logRangeProblem(request.params?.[0]);
    if (problem) return rpcError(id, -32602, problem);
  }
  const forwarded: RpcRequest = { jsonrpc: "2.0", id, method: request.method, params: request.params ?? [] };
  try {
    const res = await fetch(rpcUrlOf(network), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(forwarded),
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
    return await res.json();
  } catch (err) {
    return rpcError(id, -32603, `${network.name} RPC unreachable: ${(err as Error).message}`);
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
