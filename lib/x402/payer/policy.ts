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

type Stores = { local: KeyValue; session: KeyValue };

/** Paid for good so far; `session` lives in sessionStorage (per tab), `today` in localStorage (all tabs). */
function readPaid(stores: Stores, chainId: number, day: string): Spent {
  return { session: readAtomic(stores.session, storageKeys.spentInSession(chainId)), today: readAtomic(stores.local, storageKeys.spentOnDay(chainId, day)) };
}

/**
 * What counts against the budgets: paid plus reserved in tabs (a deposit not charged yet). The checks use this, so a
 * new payment or deposit only gets what neither paid nor reserved has taken.
 */
export function readSpent(stores: Stores, chainId: number, day = localDay()): Spent {
  const { spent, reserved } = readBudgetUse(stores, chainId, day);
  return { session: spent.session + reserved.session, today: spent.today + reserved.today };
}

export function recordSpend(stores: Stores, chainId: number, amount: bigint, day = localDay()): void {
  const spent = readPaid(stores, chainId, day);
  const clamp = (n: bigint) => (n > 0n ? n : 0n);
  stores.session.setItem(storageKeys.spentInSession(chainId), clamp(spent.session + amount).toString());
  stores.local.setItem(storageKeys.spentOnDay(chainId, day), clamp(spent.today + amount).toString());
  notifySpent();
}

/*
 * Tab reservations. A tab's deposit is reserved, not spent: each charge moves its amount from reserved to spent, and
 * closing the tab (or a deposit that was refused) releases what is left. Kept per channel, so a release never frees
 * more than that tab reserved: in localStorage with the local day it was made on (the day budget counts it on that
 * day), and in sessionStorage for this browser tab's session budget (a tab reserved in another session frees
 * nothing of this one's).
 */
type Reservations = Record<string, { amount: string; day?: string }>;

const reservationKeys = {
  // Not in storageKeys (shared): same prefix and versioning rule.
  local: (chainId: number) => `x402chat:reserved:v1:${chainId}`,
  session: (chainId: number) => `x402chat:reserved-session:v1:${chainId}`,
};

function readReservations(storage: KeyValue, key: string): Reservations {
  try {
    const parsed = JSON.parse(storage.getItem(key) ?? "{}") as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed as Record<string, { amount?: unknown; day?: unknown }>).filter(
        ([, r]) => typeof r?.amount === "string" && /^\d{1,30}$/.test(r.amount) && (r.day === undefined || typeof r.day === "string"),
      ),
    ) as Reservations;
  } catch {
    return {};
  }
}

/** Changes one channel's reservation in both stores; `change` gets what is reserved and returns what stays. */
function updateReservation(stores: Stores, chainId: number, channelId: string, change: (reserved: bigint) => bigint, day?: string): void {
  const id = channelId.toLowerCase();
  for (const [storage, key] of [
    [stores.local, reservationKeys.local(chainId)],
    [stores.session, reservationKeys.session(chainId)],
  ] as const) {
    const all = readReservations(storage, key);
    const current = all[id];
    const next = change(BigInt(current?.amount ?? "0"));
    if (next > 0n) all[id] = { amount: next.toString(), ...(storage === stores.local && { day: current?.day ?? day ?? localDay() }) };
    else delete all[id];
    storage.setItem(key, JSON.stringify(all));
  }
  notifySpent();
}

/** A tab's deposit (or top-up), reserved against the session and day budgets before it is sent. */
export function reserveDeposit(stores: Stores, chainId: number, channelId: string, amount: bigint, day = localDay()): void {
  if (amount <= 0n) return;
  updateReservation(stores, chainId, channelId, (reserved) => reserved + amount, day);
}

/** Frees `amount` of a tab's reservation (all that is left when omitted): a refused deposit, a refund, a withdrawal. */
export function releaseReservation(stores: Stores, chainId: number, channelId: string, amount?: bigint): void {
  updateReservation(stores, chainId, channelId, (reserved) => (amount === undefined || amount >= reserved ? 0n : reserved - amount));
}

/** A tab's charge: spent now (on today's budgets), and no longer reserved. */
export function chargeReservation(stores: Stores, chainId: number, channelId: string, amount: bigint, day = localDay()): void {
  if (amount <= 0n) return;
  releaseReservation(stores, chainId, channelId, amount);
  recordSpend(stores, chainId, amount, day);
}

/** The budgets' use apart: paid for good (`spent`, charges and exact payments) and `reserved` in tabs. */
export function readBudgetUse(stores: Stores, chainId: number, day = localDay()): { spent: Spent; reserved: Spent } {
  const sum = (values: Array<{ amount: string }>) => values.reduce((total, r) => total + BigInt(r.amount), 0n);
  const local = Object.values(readReservations(stores.local, reservationKeys.local(chainId)));
  return {
    spent: readPaid(stores, chainId, day),
    reserved: { session: sum(Object.values(readReservations(stores.session, reservationKeys.session(chainId)))), today: sum(local.filter((r) => r.day === day)) },
  };
}

function notifySpent(): void {
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
