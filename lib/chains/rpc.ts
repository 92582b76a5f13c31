import "server-only";
import { createPublicClient, http, type PublicClient } from "viem";
import { env } from "@/lib/env";
import type { Network } from "./networks";

/** Server-side RPC URL of a network: its environment override, else the default. */
export function rpcUrlOf(network: Network): string {
  return env[network.rpcEnv] ?? network.defaultRpcUrl;
}

const clients = new Map<string, PublicClient>();

/** One cached viem client per network and URL; no retries so a dead RPC fails fast. */
export function publicClientOf(network: Network, opts: { timeoutMs?: number } = {}): PublicClient {
  const url = rpcUrlOf(network);
  const timeout = opts.timeoutMs ?? 10_000;
  const cacheKey = `${network.chainId}|${url}|${timeout}`;
  let client = clients.get(cacheKey);
  if (!client) {
    // Reads made in the same tick (a tool's three feed calls, a balance pair) go as one JSON-RPC batch.
    client = createPublicClient({ transport: http(url, { timeout, retryCount: 0, batch: { wait: 0 } }) }) as PublicClient;
    clients.set(cacheKey, client);
  }
  return client;
}
