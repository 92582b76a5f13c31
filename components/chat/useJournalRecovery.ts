"use client";

import { useEffect, useSyncExternalStore } from "react";
import { useLocalStore } from "@/lib/browser/store";
import { walletSession } from "@/lib/wallet/session";
import { journalStore } from "@/lib/x402/payer/journal";

/** While entries stay open (a reply not kept yet, a server not reachable), they are looked at again this often. */
const RETRY_MS = 3_000;

/** The resolver brings viem and the chain reader: fetched only when there is an open entry, not on first load. */
const recoverJournal = async (chainId: number) => (await import("./recover-journal")).recoverJournal(chainId);

/**
 * Resolves the network's payment journal on load, when the wallet unlocks (a kept reply needs the payer's key),
 * and every few seconds while entries stay open.
 */
export function useJournalRecovery(chainId: number): void {
  const entries = useLocalStore(journalStore, chainId);
  const unlocked = useSyncExternalStore(walletSession.subscribe, () => walletSession.getSnapshot()[chainId] ?? null, () => null);
  const open = entries.length > 0;
  useEffect(() => {
    if (!open) return;
    void recoverJournal(chainId);
    const timer = setInterval(() => void recoverJournal(chainId), RETRY_MS);
    return () => clearInterval(timer);
  }, [chainId, open, unlocked]);
}
