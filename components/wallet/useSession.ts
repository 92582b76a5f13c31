"use client";

import { useSyncExternalStore } from "react";
import type { Address } from "viem";
import { walletSession } from "@/lib/wallet/session";

/** The address unlocked on `chainId` in this tab, or null while locked. */
export function useUnlockedAddress(chainId: number): Address | null {
  const snapshot = useSyncExternalStore(walletSession.subscribe, walletSession.getSnapshot, walletSession.getSnapshot);
  return snapshot[chainId] ?? null;
}
