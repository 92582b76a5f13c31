/**
 * The tab payer's pure parts: the channel storage on a localStorage stand-in, the deposit's size under the
 * policy, the checks of a seller's answer, and the session key's derivation. (The whole tab against the real
 * route and chain: tab-client.test.ts.)
 */
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { storageKeys } from "@/lib/browser/keys";
import { NETWORKS } from "@/lib/chains/networks";
import { DEFAULT_POLICY } from "@/lib/x402/payer/policy";
import { checkSellerCharge, tabDeposit } from "@/lib/x402/payer/tab-client";
import { deriveSessionKey, forgetSessionKeys, sessionKeyMessage } from "@/lib/x402/payer/tab-session-key";
import { openTabs, tabStorage, tabStore } from "@/lib/x402/payer/tab-store";
import { MemoryStorage } from "../support/memory-storage";

const A = `0x${"a".repeat(64)}`;
const B = `0x${"b".repeat(64)}`;

describe("tab storage", () => {
  let page: EventTarget & { localStorage: MemoryStorage };
  beforeEach(() => {
    page = Object.assign(new EventTarget(), { localStorage: new MemoryStorage() });
    vi.stubGlobal("window", page);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("keeps each network's channels under its own key, read back by a new instance (a reload), and tells the page", async () => {
    const seen = vi.fn();
    const unsubscribe = tabStore.subscribe(seen);
    const local = tabStorage(NETWORKS.local.chainId);
    await local.set(A.toUpperCase().replace("0X", "0x"), { chargedCumulativeAmount: "5", balance: "100" });
    local.annotate(A, { url: "http://127.0.0.1/api/x402/x/chat" });
    expect(seen).toHaveBeenCalledTimes(2);
    unsubscribe();

    const reloaded = tabStorage(NETWORKS.local.chainId);
    expect(await reloaded.get(A)).toEqual({ chargedCumulativeAmount: "5", balance: "100" });
    expect(reloaded.record(A)?.url).toBe("http://127.0.0.1/api/x402/x/chat");
    expect(await tabStorage(NETWORKS.base.chainId).get(A)).toBeUndefined();
    expect(page.localStorage.getItem(storageKeys.tabs(NETWORKS.base.chainId))).toBeNull();
    expect(tabStore.snapshot(NETWORKS.local.chainId).map((t) => t.channelId)).toEqual([A]);
  });

  it("forgets a refunded tab, but keeps a stopped one's stop (with no state)", async () => {
    const tabs = tabStorage(NETWORKS.local.chainId);
    await tabs.set(A, { chargedCumulativeAmount: "1", balance: "10" });
    await tabs.set(B, { chargedCumulativeAmount: "1", balance: "10" });
    tabs.annotate(B, { stopped: { code: "tab_seller_misbehaved", message: "lied" } });
    expect(openTabs(tabStore.snapshot(NETWORKS.local.chainId)).map((t) => t.channelId)).toEqual([A, B]);
    await tabs.delete(A);
    await tabs.delete(B);
    expect(tabs.record(A)).toBeUndefined();
    expect(tabs.record(B)).toMatchObject({ stopped: { code: "tab_seller_misbehaved" } });
    expect(await tabs.get(B)).toBeUndefined();
    expect(openTabs(tabStore.snapshot(NETWORKS.local.chainId))).toEqual([]);
  });

  it("reads unreadable or foreign stored text as no tabs", async () => {
    page.localStorage.setItem(storageKeys.tabs(NETWORKS.local.chainId), "{not json");
    expect(await tabStorage(NETWORKS.local.chainId).get(A)).toBeUndefined();
    page.localStorage.setItem(storageKeys.tabs(NETWORKS.local.chainId), JSON.stringify([{ channelId: "0x12", updatedAt: 1 }, { channelId: A, updatedAt: 1, context: { balance: "3" } }]));
    expect(tabStore.snapshot(NETWORKS.local.chainId).map((t) => t.channelId)).toEqual([A]);
  });
});

describe("a tab's deposit", () => {
  const spent = { session: 0n, today: 0n };
  it("covers the messages asked at the agent's maximum, bounded by what the session and day budgets have left and by the wallet", () => {
    expect(tabDeposit({ price: 1_000n, messages: 20, minimum: 1_000n, policy: DEFAULT_POLICY, spent })).toEqual({ ok: true, amount: 20_000n });
    const policy = { ...DEFAULT_POLICY, sessionBudget: 50_000n, dailyBudget: 30_000n };
    expect(tabDeposit({ price: 10_000n, messages: 20, minimum: 10_000n, policy, spent: { session: 5_000n, today: 12_000n } })).toEqual({ ok: true, amount: 18_000n });
    expect(tabDeposit({ price: 10_000n, messages: 20, chosen: 40_000n, minimum: 10_000n, policy, spent })).toEqual({ ok: true, amount: 30_000n });
    expect(tabDeposit({ price: 10_000n, messages: 20, chosen: 15_000n, minimum: 10_000n, policy, spent })).toEqual({ ok: true, amount: 15_000n });
    expect(tabDeposit({ price: 10_000n, messages: 20, minimum: 10_000n, policy, spent, held: 22_000n })).toEqual({ ok: true, amount: 22_000n });
    // A chosen amount below what this message needs is raised to it.
    expect(tabDeposit({ price: 10_000n, messages: 20, chosen: 1n, minimum: 10_000n, policy, spent })).toEqual({ ok: true, amount: 10_000n });
  });
  it("refuses when even this message does not fit, saying which limit", () => {
    const policy = { ...DEFAULT_POLICY, sessionBudget: 50_000n, dailyBudget: 30_000n };
    expect(tabDeposit({ price: 10_000n, messages: 20, minimum: 10_000n, policy, spent: { session: 0n, today: 25_000n } })).toEqual({ ok: false, limit: "budget", left: 5_000n });
    expect(tabDeposit({ price: 10_000n, messages: 20, minimum: 10_000n, policy, spent, held: 9_999n })).toEqual({ ok: false, limit: "funds", left: 9_999n });
  });
});

describe("a seller's answer to a voucher", () => {
  const sent = { channelId: A, base: 3_000n, increment: 1_000n };
  it("is adopted when the charge is within the increment and the total is the previous total plus the charge", () => {
    expect(checkSellerCharge(sent, { channelId: A, chargedAmount: "700", chargedCumulativeAmount: "3700" })).toEqual({ ok: true, charged: 700n, cumulative: 3_700n });
    expect(checkSellerCharge(sent, { chargedAmount: "1000" })).toEqual({ ok: true, charged: 1_000n, cumulative: 4_000n });
    expect(checkSellerCharge(sent, { chargedAmount: "0", chargedCumulativeAmount: "3000" })).toMatchObject({ ok: true, cumulative: 3_000n });
  });
  it("fails on a charge above the increment, an inconsistent total, another channel, or no amount", () => {
    expect(checkSellerCharge(sent, { chargedAmount: "1001", chargedCumulativeAmount: "4001" })).toMatchObject({ ok: false, why: expect.stringContaining("maximum is 1000") });
    expect(checkSellerCharge(sent, { chargedAmount: "500", chargedCumulativeAmount: "4000" })).toMatchObject({ ok: false, why: expect.stringContaining("not the previous 3000 plus the charge 500") });
    expect(checkSellerCharge(sent, { channelId: B, chargedAmount: "500", chargedCumulativeAmount: "3500" })).toMatchObject({ ok: false, why: expect.stringContaining("another tab") });
    expect(checkSellerCharge(sent, { chargedAmount: "-1" })).toMatchObject({ ok: false });
    expect(checkSellerCharge(sent, { chargedAmount: 5 })).toMatchObject({ ok: false });
  });
});

describe("the session key", () => {
  afterEach(() => forgetSessionKeys());
  const wallet = privateKeyToAccount(generatePrivateKey());
  const scope = { payer: wallet.address, receiver: privateKeyToAccount(generatePrivateKey()).address, token: NETWORKS.local.usdc.address, network: NETWORKS.local.caip2 };

  it("is the same key from the same wallet and scope, another for another receiver or network, and asks the wallet once per page", async () => {
    const signTypedData = vi.fn(wallet.signTypedData);
    const signer = { address: wallet.address, signTypedData } as Parameters<typeof deriveSessionKey>[0];
    const key = await deriveSessionKey(signer, scope);
    expect((await deriveSessionKey(signer, scope)).address).toBe(key.address);
    expect(signTypedData).toHaveBeenCalledTimes(1);
    forgetSessionKeys();
    expect((await deriveSessionKey(signer, scope)).address).toBe(key.address);
    expect(signTypedData).toHaveBeenCalledTimes(2);
    expect((await deriveSessionKey(signer, { ...scope, receiver: wallet.address })).address).not.toBe(key.address);
    expect((await deriveSessionKey(signer, { ...scope, network: NETWORKS.base.caip2 })).address).not.toBe(key.address);
    expect(key.address).not.toBe(wallet.address);
  });

  it("names this app and its purpose in the message, and is derived by the payer's own wallet only", async () => {
    const message = sessionKeyMessage(scope);
    expect(message.domain.name).toContain("x402 Chat");
    expect(message.message.purpose).toContain("Sign this only in x402 Chat");
    const other = privateKeyToAccount(generatePrivateKey());
    expect(() => deriveSessionKey(other, scope)).toThrow(/payer's own wallet/);
  });

  it("is asked for again after the wallet refused", async () => {
    const signTypedData = vi.fn().mockRejectedValueOnce(new Error("User rejected")).mockImplementation(wallet.signTypedData);
    const signer = { address: wallet.address, signTypedData } as Parameters<typeof deriveSessionKey>[0];
    await expect(deriveSessionKey(signer, scope)).rejects.toThrow("User rejected");
    await expect(deriveSessionKey(signer, scope)).resolves.toHaveProperty("address");
    expect(signTypedData).toHaveBeenCalledTimes(2);
  });
});
