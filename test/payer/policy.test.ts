import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, checkPolicy, localDay, parseLimit, readPolicy, readSpent, recordSpend, subscribeSpent, writePolicy } from "@/lib/x402/payer/policy";

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
