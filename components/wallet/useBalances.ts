"use client";

import { useEffect, useState } from "react";
import type { Address } from "viem";
import type { Balances } from "@/lib/server-wallet/balances";

const REFRESH_MS = 10_000;
/** Dispatched on window by whatever moves this wallet's money (payments, the faucet, funding). */
export const BALANCES_CHANGED_EVENT = "x402chat:balances-changed";

export type BalancesState = { state: "loading" } | { state: "ok"; balances: Balances } | { state: "error"; error: string };

/** USDC and ETH of an address on a network, through the app's server; refreshed on a timer and on demand. */
export function useBalances(chainId: number, address: Address): BalancesState {
  const [result, setResult] = useState<{ key: string; value: BalancesState } | null>(null);
  const key = `${chainId}:${address}`;

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;

    async function refresh() {
      clearTimeout(timer);
      let value: BalancesState;
      try {
        const res = await fetch(`/api/wallet/balances?chainId=${chainId}&address=${address}`, {
          signal: abort.signal,
          cache: "no-store",
        });
        const body = await res.json();
        value = res.ok ? { state: "ok", balances: body as Balances } : { state: "error", error: body.error.message };
      } catch (err) {
        if (abort.signal.aborted) return;
        value = { state: "error", error: `Cannot reach the app server: ${(err as Error).message}` };
      }
      setResult({ key, value });
      timer = setTimeout(refresh, REFRESH_MS);
    }

    const onChanged = () => void refresh();
    window.addEventListener(BALANCES_CHANGED_EVENT, onChanged);
    void refresh();
    return () => {
      abort.abort();
      clearTimeout(timer);
      window.removeEventListener(BALANCES_CHANGED_EVENT, onChanged);
    };
  }, [chainId, address, key]);

  // Balances of another network or address are never shown for this one.
  return result && result.key === key ? result.value : { state: "loading" };
}
