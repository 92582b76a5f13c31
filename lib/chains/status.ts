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

/**
 * Whether the Base networks that agents are published on answer, for the agents' status: an agent whose network is
 * unreachable is unavailable (its payments could be neither verified nor settled), which the catalog says before
 * anyone pays. The local chain is not checked: it is the app's own, whose loss makes the whole app unavailable.
 * A verdict is kept FRESH_MS per network and RPC URL; unknown counts as reachable.
 */
const FRESH_MS = 15_000;
const reachability = new Map<string, { at: number; error: string | null; probing?: Promise<void> }>();
const reachabilityKey = (network: Network) => `${network.chainId}|${rpcUrlOf(network)}`;

/** Reads the status of those networks whose verdict is missing or stale, and waits for the answers. */
export async function checkNetworks(networks: Iterable<Network>): Promise<void> {
  const unique = new Map([...networks].filter((n) => n.key !== "local").map((n) => [reachabilityKey(n), n]));
  await Promise.all(
    [...unique].map(([key, network]) => {
      const known = reachability.get(key);
      if (known?.probing) return known.probing;
      if (known && Date.now() - known.at < FRESH_MS) return undefined;
      const probing = readNetworkStatus(network).then(
        (status) => void reachability.set(key, { at: Date.now(), error: status.connected ? null : status.error }),
      );
      reachability.set(key, { at: known?.at ?? 0, error: known?.error ?? null, probing });
      return probing;
    }),
  );
}

/** Why the network was last found unreachable (readNetworkStatus's words), or null: reachable, or not yet checked. */
export function networkUnreachableReason(network: Network): string | null {
  return reachability.get(reachabilityKey(network))?.error ?? null;
}
