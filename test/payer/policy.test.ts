import { describe, expect, it } from "vitest";
import {
  DEFAULT_POLICY,
  chargeReservation,
  checkPolicy,
  localDay,
  parseLimit,
  readBudgetUse,
  readPolicy,
  readSpent,
  recordSpend,
  releaseReservation,
  reserveDeposit,
  subscribeSpent,
  writePolicy,
} from "@/lib/x402/payer/policy";

/** An in-memory stand-in for localStorage/sessionStorage. */
function memoryStorage() {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), items };
}

describe("the spending policy", () => {
  it("defaults to 0.10 USDC per message", () => {
    expect(DEFAULT_POLICY.maxPerMessage).toBe(100_000n);
  });

  it("names the first limit a payment would break", () => {
    const policy = { maxPerMessage: 100n, sessionBudget: 250n, dailyBudget: 400n };
    expect(checkPolicy(policy, { session: 0n, today: 0n }, 100n)).toEqual({ ok: true });
    expect(checkPolicy(policy, { session: 0n, today: 0n }, 101n)).toMatchObject({ ok: false, rule: "per-message", limit: 100n });
    expect(checkPolicy(policy, { session: 200n, today: 200n }, 100n)).toMatchObject({ ok: false, rule: "session", wouldSpend: 300n });
    expect(checkPolicy(policy, { session: 0n, today: 350n }, 100n)).toMatchObject({ ok: false, rule: "day", limit: 400n });
  });

  it("round-trips through storage and falls back to the defaults when stored data is unreadable", () => {
    const storage = memoryStorage();
    writePolicy(storage, { maxPerMessage: 5n, sessionBudget: 6n, dailyBudget: 7n });
    expect(readPolicy(storage)).toEqual({ maxPerMessage: 5n, sessionBudget: 6n, dailyBudget: 7n });
    storage.setItem("x402chat:policy:v1", "{not json");
    expect(readPolicy(storage)).toEqual(DEFAULT_POLICY);
    storage.setItem("x402chat:policy:v1", JSON.stringify({ maxPerMessage: "-1", sessionBudget: "9", dailyBudget: 3 }));
    expect(readPolicy(storage)).toEqual({ ...DEFAULT_POLICY, sessionBudget: 9n });
  });

  it("adds spending per session and per day, per network", () => {
    const stores = { local: memoryStorage(), session: memoryStorage() };
    recordSpend(stores, 31337, 10n, "2026-11-22");
    recordSpend(stores, 31337, 5n, "2026-11-22");
    recordSpend(stores, 84532, 7n, "2026-11-22");
    expect(readSpent(stores, 31337, "2026-11-22")).toEqual({ session: 15n, today: 15n });
    expect(readSpent(stores, 31337, "2026-11-23")).toEqual({ session: 15n, today: 0n });
    expect(readSpent(stores, 84532, "2026-11-22")).toEqual({ session: 7n, today: 7n });
  });

  it("counts days in local time", () => {
    expect(localDay(new Date(2026, 0, 2, 23, 59))).toBe("2026-01-02");
  });
});

describe("limits as typed", () => {
  it("reads USDC with at most 6 decimals, a trailing dot included (typing '0.' on the way to '0.005')", () => {
    expect(parseLimit("0.005")).toBe(5000n);
    expect(parseLimit("1")).toBe(1_000000n);
    expect(parseLimit("2.")).toBe(2_000000n);
    expect(parseLimit(" 0.1 ")).toBe(100000n);
    for (const bad of ["", ".", "0.0000001", "-1", "1e3", "abc", "1,5"]) expect(parseLimit(bad)).toBeNull();
  });

  it("tells this tab's subscribers of each recorded spend, until they unsubscribe", () => {
    const stores = { local: memoryStorage(), session: memoryStorage() };
    let calls = 0;
    const off = subscribeSpent(() => calls++);
    recordSpend(stores, 31337, 10n);
    expect(calls).toBe(1);
    off();
    recordSpend(stores, 31337, 10n);
    expect(calls).toBe(1);
  });
});

describe("tab reservations", () => {
  const day = "2026-11-29";
  const channel = `0x${"ab".repeat(32)}`;
  const other = `0x${"cd".repeat(32)}`;

  it("keeps a deposit as reserved, apart from spent, and counts both against the budgets", () => {
    const stores = { local: memoryStorage(), session: memoryStorage() };
    recordSpend(stores, 31337, 12_300n, day);
    reserveDeposit(stores, 31337, channel, 200_000n, day);
    expect(readBudgetUse(stores, 31337, day)).toEqual({ spent: { session: 12_300n, today: 12_300n }, reserved: { session: 200_000n, today: 200_000n } });
    // New payments and reservations get only what is left of the budgets.
    expect(readSpent(stores, 31337, day)).toEqual({ session: 212_300n, today: 212_300n });
    const policy = { maxPerMessage: 1_000_000n, sessionBudget: 1_000_000n, dailyBudget: 5_000_000n };
    expect(checkPolicy(policy, readSpent(stores, 31337, day), 800_000n)).toMatchObject({ ok: false, rule: "session" });
    // Another network's budgets are untouched; the reservation counts on the day it was made.
    expect(readBudgetUse(stores, 84532, day).reserved).toEqual({ session: 0n, today: 0n });
    expect(readBudgetUse(stores, 31337, "2026-11-30").reserved).toEqual({ session: 200_000n, today: 0n });
  });

  it("moves each charge from reserved to spent, and the close releases only what is left of that tab", () => {
    const stores = { local: memoryStorage(), session: memoryStorage() };
    reserveDeposit(stores, 31337, channel, 200_000n, day);
    reserveDeposit(stores, 31337, other, 50_000n, day);
    chargeReservation(stores, 31337, channel, 6_000n, day);
    chargeReservation(stores, 31337, channel, 4_000n, day);
    expect(readBudgetUse(stores, 31337, day)).toEqual({ spent: { session: 10_000n, today: 10_000n }, reserved: { session: 240_000n, today: 240_000n } });
    releaseReservation(stores, 31337, channel.toUpperCase().replace("0X", "0x"));
    expect(readBudgetUse(stores, 31337, day)).toEqual({ spent: { session: 10_000n, today: 10_000n }, reserved: { session: 50_000n, today: 50_000n } });
    // A second release of a closed tab frees nothing more.
    releaseReservation(stores, 31337, channel);
    expect(readBudgetUse(stores, 31337, day).reserved.today).toBe(50_000n);
  });

  it("a charge on a later day is spent that day, and leaves the earlier day's reservation", () => {
    const stores = { local: memoryStorage(), session: memoryStorage() };
    reserveDeposit(stores, 31337, channel, 100_000n, day);
    chargeReservation(stores, 31337, channel, 10_000n, "2026-11-30");
    expect(readBudgetUse(stores, 31337, day)).toEqual({ spent: { session: 10_000n, today: 0n }, reserved: { session: 90_000n, today: 90_000n } });
    expect(readBudgetUse(stores, 31337, "2026-11-30")).toEqual({ spent: { session: 10_000n, today: 10_000n }, reserved: { session: 90_000n, today: 0n } });
  });

  it("tells subscribers of reservations too (the budgets shown stay live)", () => {
    const stores = { local: memoryStorage(), session: memoryStorage() };
    let calls = 0;
    const off = subscribeSpent(() => calls++);
    reserveDeposit(stores, 31337, channel, 1n, day);
    releaseReservation(stores, 31337, channel);
    off();
    expect(calls).toBe(2);
  });
});
