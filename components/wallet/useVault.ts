"use client";

import { createLocalStore, useLocalStore } from "@/lib/browser/store";
import type { KeystoreV3 } from "@/lib/wallet/keystore-format";
import { createVault, parseVault, resetVault, vaultStorageKey, type Vault, type VaultRead } from "@/lib/wallet/vault";

const vaultStore = createLocalStore<[chainId: number], VaultRead | null>({
  key: vaultStorageKey,
  parse: (raw) => (raw === null ? { state: "empty" } : parseVault(raw)),
  server: null, // no localStorage while rendering on the server
});

/** The vault of a network, live across tabs; null while rendering on the server. */
export function useVault(chainId: number): VaultRead | null {
  return useLocalStore(vaultStore, chainId);
}

export function storeNewVault(chainId: number, keystore: KeystoreV3): Vault {
  return vaultStore.update((storage) => createVault(storage, chainId, keystore));
}

export function resetStoredVault(chainId: number, expectedRaw: string): void {
  vaultStore.update((storage) => resetVault(storage, chainId, expectedRaw));
}
