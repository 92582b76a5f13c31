"use client";

import { useEffect, useSyncExternalStore } from "react";
import { useLocalStore } from "@/lib/browser/store";
import { walletSession } from "@/lib/wallet/session";
import { journalStore } from "@/lib/x402/payer/journal";

/** While entries stay open (a reply not kept yet, a server not reachable), they are looked at again this often. */
const RETRY_MS = 3_000;

/** The resolver brings viem and the chain reader: fetched only when there is an open entry, not on first load. */
const recoverJournal = async (chainId: number) => (await import("./recover-journal")).recoverJournal(chainId);
const recoverOpenTransfers = async (chainId: number) => (await import("./recover-journal")).recoverOpenTransfers(chainId);

/** Whether the network's transfer journal (pay-by-transfer.ts, key `x402chat:transfers:v1:<chainId>`) holds an entry. */
function hasOpenTransfers(chainId: number): boolean {
  try {
    const list = JSON.parse(window.localStorage.getItem(`x402chat:transfers:v1:${chainId}`) ?? "[]") as unknown;
    return Array.isArray(list) && list.length > 0;
  } catch {
    return false;
  }
}

/**
 * Resolves the network's payment journal on load (and proves its open transfers again), when the wallet unlocks (a kept reply needs the payer's key),
 * and every few seconds while entries stay open.
 */
export function useJournalRecovery(chainId: number): void {
  const entries = useLocalStore(journalStore, chainId);
  const unlocked = useSyncExternalStore(walletSession.subscribe, () => walletSession.getSnapshot()[chainId] ?? null, () => null);
  const open = entries.length > 0;
  // Transfers to pay-then-prove agents sent but not proven (the page reloaded in between): proven again on load.
  useEffect(() => {
    if (hasOpenTransfers(chainId)) void recoverOpenTransfers(chainId).catch(() => 0);
  }, [chainId]);
  useEffect(() => {
    if (!open) return;
    void recoverJournal(chainId);
    const timer = setInterval(() => void recoverJournal(chainId), RETRY_MS);
    return () => clearInterval(timer);
  }, [chainId, open, unlocked]);
}
