/** The in-memory session: per-network unlock, lock by hand, auto-lock after the idle period. */
import { generatePrivateKey, privateKeyToAccount, privateKeyToAddress } from "viem/accounts";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_AUTO_LOCK_MINUTES, WalletSession, readAutoLockMinutes, writeAutoLockMinutes } from "@/lib/wallet/session";

afterEach(() => {
  vi.useRealTimers();
});

const key = generatePrivateKey();
const account = privateKeyToAccount(key);

describe("WalletSession", () => {
  it("unlocks one network only, refuses a key of another address, and locks by hand", () => {
    const session = new WalletSession();
    const seen: unknown[] = [];
    session.subscribe(() => seen.push(session.getSnapshot()));
    expect(() => session.unlock(31337, account, privateKeyToAddress(generatePrivateKey()))).toThrow(/does not belong/);
    session.unlock(31337, account, account.address);
    expect(session.account(31337)?.address).toBe(account.address);
    expect(session.account(84532)).toBeNull();
    expect(session.getSnapshot()).toEqual({ 31337: account.address });
    session.lock();
    expect(session.account(31337)).toBeNull();
    expect(seen).toEqual([{ 31337: account.address }, {}]);
  });

  it("locks after the idle period, and activity postpones it", () => {
    vi.useFakeTimers();
    const session = new WalletSession();
    session.setIdleMinutes(5);
    session.unlock(31337, account, account.address);
    vi.advanceTimersByTime(4 * 60_000);
    session.touch();
    vi.advanceTimersByTime(4 * 60_000);
    expect(session.account(31337)).not.toBeNull();
    vi.advanceTimersByTime(60_000);
    expect(session.account(31337)).toBeNull();
  });

  it("keeps the idle period in storage, defaulting to 15 minutes", () => {
    const items = new Map<string, string>();
    const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
    expect(readAutoLockMinutes(storage)).toBe(DEFAULT_AUTO_LOCK_MINUTES);
    writeAutoLockMinutes(storage, 60);
    expect(readAutoLockMinutes(storage)).toBe(60);
    items.set("x402chat:wallet:auto-lock-minutes:v1", "7");
    expect(readAutoLockMinutes(storage)).toBe(DEFAULT_AUTO_LOCK_MINUTES);
  });
});
