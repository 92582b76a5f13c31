/**
 * The user's spending policy, checked before anything is signed: a cap per
 * message, a budget per browser session and one per day. Amounts are USDC
 * atomic units (USDC_DECIMALS, the same on every network). Pure functions over
 * a storage, so the browser and tests share them.
 */
import { parseUnits } from "viem";
import { storageKeys } from "@/lib/browser/keys";
import { USDC_DECIMALS } from "@/lib/chains/networks";

export interface SpendPolicy {
  maxPerMessage: bigint;
  sessionBudget: bigint;
  dailyBudget: bigint;
}

export const DEFAULT_POLICY: SpendPolicy = {
  maxPerMessage: parseUnits("0.10", USDC_DECIMALS),
  sessionBudget: parseUnits("1", USDC_DECIMALS),
  dailyBudget: parseUnits("5", USDC_DECIMALS),
};

export type PolicyVerdict =
  | { ok: true }
  | { ok: false; rule: "per-message" | "session" | "day"; limit: bigint; wouldSpend: bigint };

export interface Spent {
  session: bigint;
  today: bigint;
}

/** Whether paying `amount` now stays within every limit; the first limit it breaks otherwise. */
export function checkPolicy(policy: SpendPolicy, spent: Spent, amount: bigint): PolicyVerdict {
  if (amount > policy.maxPerMessage) return { ok: false, rule: "per-message", limit: policy.maxPerMessage, wouldSpend: amount };
  if (spent.session + amount > policy.sessionBudget) {
    return { ok: false, rule: "session", limit: policy.sessionBudget, wouldSpend: spent.session + amount };
  }
  if (spent.today + amount > policy.dailyBudget) {
    return { ok: false, rule: "day", limit: policy.dailyBudget, wouldSpend: spent.today + amount };
  }
  return { ok: true };
}

/** Today's date in the user's time zone, as the day budget resets at their midnight. */
export function localDay(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

type KeyValue = Pick<Storage, "getItem" | "setItem">;

function readAtomic(storage: KeyValue, key: string): bigint {
  const value = storage.getItem(key);
  return value && /^\d{1,30}$/.test(value) ? BigInt(value) : 0n;
}

export function readPolicy(storage: KeyValue): SpendPolicy {
  try {
    const stored = JSON.parse(storage.getItem(storageKeys.policy) ?? "null") as Record<keyof SpendPolicy, unknown> | null;
    if (!stored) return DEFAULT_POLICY;
    const read = (field: keyof SpendPolicy) => {
      const value = stored[field];
      return typeof value === "string" && /^\d{1,30}$/.test(value) ? BigInt(value) : DEFAULT_POLICY[field];
    };
    return { maxPerMessage: read("maxPerMessage"), sessionBudget: read("sessionBudget"), dailyBudget: read("dailyBudget") };
  } catch {
    return DEFAULT_POLICY; // unreadable: the defaults are the safe, small limits
  }
}

/** A limit as typed: USDC with at most 6 decimals ("0.005", "1", "2."), in atomic units; null if it is not one. */
export function parseLimit(text: string): bigint | null {
  const value = text.trim();
  if (!/^\d{1,12}(\.\d{0,6})?$/.test(value)) return null;
  return parseUnits(value.endsWith(".") ? value.slice(0, -1) : value, USDC_DECIMALS);
}

export function writePolicy(storage: KeyValue, policy: SpendPolicy): void {
  storage.setItem(
    storageKeys.policy,
    JSON.stringify({
      maxPerMessage: policy.maxPerMessage.toString(),
      sessionBudget: policy.sessionBudget.toString(),
      dailyBudget: policy.dailyBudget.toString(),
    }),
  );
}

/** Spent so far; `session` lives in sessionStorage (per tab), `today` in localStorage (all tabs). */
export function readSpent(stores: { local: KeyValue; session: KeyValue }, chainId: number, day = localDay()): Spent {
  return { session: readAtomic(stores.session, storageKeys.spentInSession(chainId)), today: readAtomic(stores.local, storageKeys.spentOnDay(chainId, day)) };
}

export function recordSpend(stores: { local: KeyValue; session: KeyValue }, chainId: number, amount: bigint, day = localDay()): void {
  const spent = readSpent(stores, chainId, day);
  stores.session.setItem(storageKeys.spentInSession(chainId), (spent.session + amount).toString());
  stores.local.setItem(storageKeys.spentOnDay(chainId, day), (spent.today + amount).toString());
  for (const listener of [...spendListeners]) listener();
}

const spendListeners = new Set<() => void>();

/**
 * Called after each recordSpend in this tab, so the budgets shown stay live (another tab's writes arrive as
 * `storage` events instead, which never fire in the tab that wrote). Returns the unsubscribe.
 */
export function subscribeSpent(listener: () => void): () => void {
  spendListeners.add(listener);
  return () => spendListeners.delete(listener);
}
