import "server-only";
import type { Network } from "./networks";
import { publicClientOf, rpcUrlOf } from "./rpc";

export type NetworkStatus =
  | { chainId: number; connected: true; blockNumber: string; latencyMs: number }
  | { chainId: number; connected: false; error: string };

const STATUS_TIMEOUT_MS = 3_000;

/** Asks the network's RPC for its chain id and head block; never throws. */
export async function readNetworkStatus(network: Network): Promise<NetworkStatus> {
  const started = performance.now();
  const client = publicClientOf(network, { timeoutMs: STATUS_TIMEOUT_MS });
  try {
    const [chainId, blockNumber] = await Promise.all([client.getChainId(), client.getBlockNumber()]);
    if (chainId !== network.chainId) {
      return {
        chainId: network.chainId,
        connected: false,
        error: `RPC at ${hostOf(rpcUrlOf(network))} is chain ${chainId}, expected ${network.chainId}`,
      };
    }
    return {
      chainId: network.chainId,
      connected: true,
      blockNumber: blockNumber.toString(),
      latencyMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    return {
      chainId: network.chainId,
      connected: false,
      error: `${network.name} RPC unreachable (${hostOf(rpcUrlOf(network))}): ${shortReason(err)}`,
    };
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "invalid URL";
  }
}

function shortReason(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string; name?: string };
  if (e?.name === "TimeoutError") return `no answer within ${STATUS_TIMEOUT_MS / 1000} s`;
  const text = e?.shortMessage ?? e?.message ?? String(err);
  return text.split("\n")[0]!.slice(0, 200);
}
