"use client";

import { useMemo, useSyncExternalStore } from "react";
import type { KeystoreV3 } from "@/lib/wallet/keystore-format";
import { createVault, parseVault, resetVault, vaultStorageKey, type Vault, type VaultRead } from "@/lib/wallet/vault";

// `storage` only fires in the other tabs; this event tells this tab's own components.
const VAULT_EVENT = "x402chat:vault";

function subscribe(onChange: () => void) {
  window.addEventListener("storage", onChange);
  window.addEventListener(VAULT_EVENT, onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener(VAULT_EVENT, onChange);
  };
}

/** The vault of a network, live across tabs; null while rendering on the server (no localStorage there). */
export function useVault(chainId: number): VaultRead | null {
  // The raw string is the snapshot: a primitive, so unchanged data never re-renders.
  const raw = useSyncExternalStore(
    subscribe,
    () => window.localStorage.getItem(vaultStorageKey(chainId)),
    () => undefined,
  );
  return useMemo(() => (raw === undefined ? null : raw === null ? { state: "empty" } : parseVault(raw)), [raw]);
}

export function storeNewVault(chainId: number, keystore: KeystoreV3): Vault {
  const vault = createVault(window.localStorage, chainId, keystore);
  window.dispatchEvent(new Event(VAULT_EVENT));
  return vault;
}

export function resetStoredVault(chainId: number, expectedRaw: string): void {
  resetVault(window.localStorage, chainId, expectedRaw);
  window.dispatchEvent(new Event(VAULT_EVENT));
}
