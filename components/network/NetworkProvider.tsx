"use client";

import { createContext, useCallback, useContext, useSyncExternalStore, type ReactNode } from "react";
import { DEFAULT_NETWORK_KEY, NETWORKS, isNetworkKey, type Network, type NetworkKey } from "@/lib/chains/networks";

const STORAGE_KEY = "x402chat:network:v1";

interface NetworkContextValue {
  network: Network;
  setNetworkKey: (key: NetworkKey) => void;
}

const NetworkContext = createContext<NetworkContextValue | null>(null);

// The selection lives in localStorage so every tab agrees; the "storage" event
// keeps other tabs in step.
function subscribe(onChange: () => void) {
  window.addEventListener("storage", onChange);
  window.addEventListener("x402chat:network", onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener("x402chat:network", onChange);
  };
}

function readStoredKey(): NetworkKey {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  return isNetworkKey(stored) ? stored : DEFAULT_NETWORK_KEY;
}

export function NetworkProvider({ children }: { children: ReactNode }) {
  const key = useSyncExternalStore(subscribe, readStoredKey, () => DEFAULT_NETWORK_KEY);
  const setNetworkKey = useCallback((next: NetworkKey) => {
    window.localStorage.setItem(STORAGE_KEY, next);
    window.dispatchEvent(new Event("x402chat:network"));
  }, []);
  return (
    <NetworkContext.Provider value={{ network: NETWORKS[key], setNetworkKey }}>{children}</NetworkContext.Provider>
  );
}

export function useNetwork(): NetworkContextValue {
  const value = useContext(NetworkContext);
  if (!value) throw new Error("useNetwork must be used inside <NetworkProvider>");
  return value;
}
