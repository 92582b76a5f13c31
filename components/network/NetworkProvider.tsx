"use client";

import { createContext, useCallback, useContext, type ReactNode } from "react";
import { storageKeys } from "@/lib/browser/keys";
import { createLocalStore, useLocalStore } from "@/lib/browser/store";
import { DEFAULT_NETWORK_KEY, NETWORKS, isNetworkKey, type Network, type NetworkKey } from "@/lib/chains/networks";

interface NetworkContextValue {
  network: Network;
  setNetworkKey: (key: NetworkKey) => void;
}

const NetworkContext = createContext<NetworkContextValue | null>(null);

// The selection lives in localStorage so every tab agrees.
const networkStore = createLocalStore<[], NetworkKey>({
  key: () => storageKeys.network,
  parse: (raw) => (isNetworkKey(raw) ? raw : DEFAULT_NETWORK_KEY),
  server: DEFAULT_NETWORK_KEY,
});

export function NetworkProvider({ children }: { children: ReactNode }) {
  const key = useLocalStore(networkStore);
  const setNetworkKey = useCallback((next: NetworkKey) => networkStore.update((storage) => storage.setItem(storageKeys.network, next)), []);
  return (
    <NetworkContext.Provider value={{ network: NETWORKS[key], setNetworkKey }}>{children}</NetworkContext.Provider>
  );
}

export function useNetwork(): NetworkContextValue {
  const value = useContext(NetworkContext);
  if (!value) throw new Error("useNetwork must be used inside <NetworkProvider>");
  return value;
}
