"use client";

import { useEffect, useState } from "react";
import type { NetworkStatus } from "@/lib/chains/status";

const POLL_MS = 4_000;

export type NetworkStatusState = { state: "loading" } | { state: "ready"; status: NetworkStatus };

/** Polls the server's view of a network (chain id and head block) while mounted. */
export function useNetworkStatus(chainId: number): NetworkStatusState {
  const [result, setResult] = useState<{ chainId: number; status: NetworkStatus } | null>(null);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();

    async function poll() {
      let status: NetworkStatus;
      try {
        const res = await fetch(`/api/networks/${chainId}/status`, { signal: abort.signal, cache: "no-store" });
        status = res.ok
          ? ((await res.json()) as NetworkStatus)
          : { chainId, connected: false, error: `Status request failed (HTTP ${res.status})` };
      } catch (err) {
        if (abort.signal.aborted) return;
        status = { chainId, connected: false, error: `Cannot reach the app server: ${(err as Error).message}` };
      }
      setResult({ chainId, status });
      timer = setTimeout(poll, POLL_MS);
    }

    void poll();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [chainId]);

  // A result for a previously selected network is stale: show loading instead.
  return result && result.chainId === chainId ? { state: "ready", status: result.status } : { state: "loading" };
}
