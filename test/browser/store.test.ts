/**
 * The browser store helper over a stand-in window (an EventTarget with an in-memory localStorage): snapshots
 * cached by the stored text, this tab's writes and other tabs' `storage` events reaching subscribers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { storageKeys } from "@/lib/browser/keys";
import { createLocalStore } from "@/lib/browser/store";
import { MemoryStorage } from "../support/memory-storage";

let storage: MemoryStorage;
let page: EventTarget;

beforeEach(() => {
  storage = new MemoryStorage();
  page = Object.assign(new EventTarget(), { localStorage: storage });
  vi.stubGlobal("window", page);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const parse = vi.fn((raw: string | null, chainId: number) => ({ chainId, items: raw === null ? [] : raw.split(",") }));
const listStore = () => createLocalStore<[chainId: number], { chainId: number; items: string[] }>({ key: (chainId) => `test:list:${chainId}`, parse, server: { chainId: 0, items: [] } });

describe("createLocalStore", () => {
  it("parses the stored text once per change: an unchanged store gives the very same value", () => {
    const store = listStore();
    parse.mockClear();
    const empty = store.snapshot(1);
    expect(empty).toEqual({ chainId: 1, items: [] });
    expect(store.snapshot(1)).toBe(empty);
    storage.setItem("test:list:1", "a,b");
    const two = store.snapshot(1);
    expect(two).toEqual({ chainId: 1, items: ["a", "b"] });
    expect(store.snapshot(1)).toBe(two);
    expect(parse).toHaveBeenCalledTimes(2);
  });

  it("keeps each key's value apart (one network does not evict another)", () => {
    const store = listStore();
    storage.setItem("test:list:1", "a");
    storage.setItem("test:list:2", "b");
    const one = store.snapshot(1);
    const two = store.snapshot(2);
    expect(store.snapshot(1)).toBe(one);
    expect(store.snapshot(2)).toBe(two);
    expect(two.items).toEqual(["b"]);
  });

  it("tells subscribers of this tab's writes and of other tabs' storage events, until they unsubscribe", () => {
    const store = listStore();
    const seen = vi.fn();
    const unsubscribe = store.subscribe(seen);

    const returned = store.update((s) => {
      s.setItem("test:list:1", "x");
      return "written";
    });
    expect(returned).toBe("written");
    expect(seen).toHaveBeenCalledTimes(1);
    expect(store.snapshot(1).items).toEqual(["x"]);

    page.dispatchEvent(new Event("storage")); // another tab wrote
    expect(seen).toHaveBeenCalledTimes(2);

    store.announce(); // this tab wrote asynchronously
    expect(seen).toHaveBeenCalledTimes(3);

    unsubscribe();
    store.update((s) => s.setItem("test:list:1", "y"));
    page.dispatchEvent(new Event("storage"));
    expect(seen).toHaveBeenCalledTimes(3);
  });

  it("tells subscribers even when the write throws part-way", () => {
    const store = listStore();
    const seen = vi.fn();
    store.subscribe(seen);
    expect(() =>
      store.update((s) => {
        s.setItem("test:list:1", "half");
        throw new Error("refused");
      }),
    ).toThrow("refused");
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it("answers the server value without touching storage", () => {
    vi.unstubAllGlobals(); // no window at all, as on the server
    expect(listStore().serverSnapshot()).toEqual({ chainId: 0, items: [] });
  });
});

describe("storage keys", () => {
  it("keep the names existing users' data is stored under", () => {
    expect(storageKeys.vault(31337)).toBe("x402chat:vault:v1:31337");
    expect(storageKeys.vaultPrefix).toBe("x402chat:vault:v1:");
    expect(storageKeys.network).toBe("x402chat:network:v1");
    expect(storageKeys.autoLockMinutes).toBe("x402chat:wallet:auto-lock-minutes:v1");
    expect(storageKeys.policy).toBe("x402chat:policy:v1");
    expect(storageKeys.spentOnDay(84532, "2026-11-22")).toBe("x402chat:spent:v1:84532:2026-11-22");
    expect(storageKeys.spentInSession(84532)).toBe("x402chat:spent-session:v1:84532");
    expect(storageKeys.conversations(8453)).toBe("x402chat:conversations:v1:8453");
    expect(storageKeys.history(8453)).toBe("x402chat:history:v1:8453");
    expect(storageKeys.payWith(31337)).toBe("x402chat:pay-with:v1:31337");
    expect(storageKeys.e2eMockWallet).toBe("x402chat:e2e:mock-wallet");
  });
});
