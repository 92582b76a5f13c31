/**
 * The unlocked accounts, in memory only (never stored, never sent): one per network at most. Locks by hand and
 * after an idle period. Each tab has its own session: unlocking in one tab does not unlock another.
 *
 * Signing code (x402 payments, kept-reply access) asks `walletSession.account(chainId)` for the
 * account of the network it signs on, so a key unlocked for one network is never used on another.
 */
import { isAddressEqual, type Address } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { storageKeys } from "@/lib/browser/keys";
import { createLocalStore } from "@/lib/browser/store";

export const DEFAULT_AUTO_LOCK_MINUTES = 15;

/** What a UI renders: which networks are unlocked, as which address. Replaced (never mutated) on change. */
export type SessionSnapshot = Readonly<Record<number, Address>>;

export class WalletSession {
  private accounts = new Map<number, PrivateKeyAccount>();
  private snapshot: SessionSnapshot = {};
  private listeners = new Set<() => void>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private idleMs = DEFAULT_AUTO_LOCK_MINUTES * 60_000;

  /** Unlocks `chainId` with the account of a decrypted key, which must be the vault's `address`. */
  unlock(chainId: number, account: PrivateKeyAccount, address: Address): void {
    if (!isAddressEqual(account.address, address)) throw new Error("The key does not belong to this wallet");
    this.accounts.set(chainId, account);
    this.publish();
    this.touch();
  }

  account(chainId: number): PrivateKeyAccount | null {
    return this.accounts.get(chainId) ?? null;
  }

  /** Locks one network, or all of them. */
  lock(chainId?: number): void {
    if (chainId === undefined) this.accounts.clear();
    else this.accounts.delete(chainId);
    if (this.accounts.size === 0) clearTimeout(this.idleTimer);
    this.publish();
  }

  /** Call on user activity: restarts the idle countdown while anything is unlocked. */
  touch(): void {
    clearTimeout(this.idleTimer);
    if (this.accounts.size > 0) this.idleTimer = setTimeout(() => this.lock(), this.idleMs);
  }

  setIdleMinutes(minutes: number): void {
    this.idleMs = minutes * 60_000;
    this.touch();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SessionSnapshot => this.snapshot;

  private publish(): void {
    this.snapshot = Object.fromEntries([...this.accounts].map(([id, account]) => [id, account.address]));
    for (const listener of this.listeners) listener();
  }
}

/** The page's one session. */
export const walletSession = new WalletSession();

export const AUTO_LOCK_CHOICES = [1, 5, 15, 30, 60, 240] as const;

function parseAutoLockMinutes(raw: string | null): number {
  const stored = Number(raw);
  return (AUTO_LOCK_CHOICES as readonly number[]).includes(stored) ? stored : DEFAULT_AUTO_LOCK_MINUTES;
}

export function readAutoLockMinutes(storage: Pick<Storage, "getItem">): number {
  return parseAutoLockMinutes(storage.getItem(storageKeys.autoLockMinutes));
}

export function writeAutoLockMinutes(storage: Pick<Storage, "setItem">, minutes: number): void {
  storage.setItem(storageKeys.autoLockMinutes, String(minutes));
}

/** The idle-lock setting, shared by every tab; null while rendering on the server. */
export const autoLockStore = createLocalStore<[], number | null>({
  key: () => storageKeys.autoLockMinutes,
  parse: parseAutoLockMinutes,
  server: null,
});
