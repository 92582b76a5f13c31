/**
 * The browser's tab payer (lib/x402/payer/tab-client.ts) against the real paid route on a real anvil (the tab
 * contracts, our facilitator, the ledger in PGlite): the wallet signs the session key's derivation and one deposit,
 * the session key every voucher; the state lives in a localStorage stand-in (tab-store.ts), which is what survives
 * a reload. A cheating seller is a proxy in front of the real route that misreports the charge.
 */
import { toClientEvmSigner, type ClientEvmSigner } from "@x402/evm";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentRequiredHeader, encodePaymentResponseHeader } from "@x402/core/http";
import { computeChannelId, signVoucher } from "@x402/evm/batch-settlement/client";
import { createPublicClient, createTestClient, createWalletClient, http, parseEther, parseUnits, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { createConfig, mock } from "wagmi";
import { connect } from "wagmi/actions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bridgeExternalWallet } from "@/components/wallet/external/bridge";
import { fundLocalAccount } from "@/lib/devchain";
import { getExternalSigner } from "@/lib/wallet/external-bridge";
import { getAgent, priceAtomic } from "@/lib/agents/registry";
import { NETWORKS, viemChainOf } from "@/lib/chains/networks";
import { serveRoutes } from "@/lib/devtools/route-server";
import { getLedger } from "@/lib/ledger";
import { createPayingFetch, type ApprovalRequest } from "@/lib/x402/payer/paying-fetch";
import { DEFAULT_POLICY, readBudgetUse, readSpent, releaseReservation, reserveDeposit } from "@/lib/x402/payer/policy";
import { refuseStoppedReceivers, TabClient, TabStopped, type TabCharge, type TabClientOptions, type TabWallet } from "@/lib/x402/payer/tab-client";
import { deriveSessionKey, forgetSessionKeys, keyFromSignature, sessionKeyMessage } from "@/lib/x402/payer/tab-session-key";
import { tabStorage } from "@/lib/x402/payer/tab-store";
import { finishWithdrawal, requestWithdrawal, tabOnChain } from "@/lib/x402/payer/tab-withdraw";
import type { Receipt } from "@/lib/x402/shared/receipt";
import { startDefiLlamaDouble } from "../agents/support/defillama-double";
import { setEnv } from "../support/fixtures";
import { MemoryStorage } from "../support/memory-storage";
import { readUIChunks } from "../support/ui-stream";
import { chatBody, fundedPayer, paidStackFixture, usdcBalance } from "../x402/support";

const stack = paidStackFixture();
let defillama: Awaited<ReturnType<typeof startDefiLlamaDouble>>;
let restoreDefillama: () => void;
beforeAll(async () => {
  defillama = await startDefiLlamaDouble();
  restoreDefillama = setEnv({ DEFILLAMA_BASE_URL: defillama.url, DEFILLAMA_COINS_URL: defillama.url });
});
afterAll(async () => {
  restoreDefillama?.();
  await defillama?.close();
});
// Each test starts as a fresh page: no session key derived yet.
beforeEach(() => forgetSessionKeys());

const LOCAL = NETWORKS.local;
/** The x402 Guide: a flat price, so every delivered reply is charged exactly its maximum. */
const GUIDE_AGENT = "00000000-0000-0000-0000-000000000003";
const guidePrice = () => priceAtomic(getAgent(GUIDE_AGENT)!);
const chatUrl = (base: string) => `${base}/api/x402/${GUIDE_AGENT}/chat`;
const asJson = { "content-type": "application/json", accept: "application/json" };

/** The wallet as the browser holds it, counting what it is asked to sign (each would be a prompt on an external one). */
function countingWallet(payer: PrivateKeyAccount): TabWallet & { signatures: number } {
  const signer = toClientEvmSigner(payer, createPublicClient({ transport: http(stack.anvil.rpcUrl) })) as TabWallet;
  const wallet = {
    ...signer,
    signatures: 0,
    signTypedData: (message: Parameters<ClientEvmSigner["signTypedData"]>[0]) => {
      wallet.signatures += 1;
      return signer.signTypedData(message);
    },
  };
  return wallet;
}

interface Sent {
  url: string;
  status: number;
  paid: boolean;
  /** Everything the request carried: its URL, headers and body. */
  text: string;
}

/** A fetch that records every request it sends into `sent`. */
function recordingFetch(sent: Sent[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const body = request.body ? await request.clone().text() : "";
    const res = await fetch(request);
    sent.push({
      url: request.url,
      status: res.status,
      paid: request.headers.has("PAYMENT-SIGNATURE"),
      text: [request.url, ...[...request.headers].map(([k, v]) => `${k}: ${v}`), body].join("\n"),
    });
    return res;
  };
}

/** A tab client as a page makes it: the wallet, the page's storage, the default policy; `sent` records every request. */
function page(wallet: TabWallet, storage: MemoryStorage, options: Partial<TabClientOptions> = {}) {
  const sent: Sent[] = [];
  const recording = recordingFetch(sent);
  const charges: TabCharge[] = [];
  const tab = new TabClient({
    network: LOCAL,
    wallet,
    storage: tabStorage(LOCAL.chainId, storage),
    policy: () => ({ policy: DEFAULT_POLICY, spent: { session: 0n, today: 0n } }),
    baseFetch: recording,
    onCharge: (charge) => charges.push(charge),
    ...options,
  });
  return { tab, sent, charges, records: tabStorage(LOCAL.chainId, storage) };
}

/** One streamed message: the tab pays it, and takes the charge from the stream's receipt. */
async function sendStreamed(tab: TabClient, base: string): Promise<Receipt> {
  const res = await tab.fetch(chatUrl(base), { method: "POST", headers: { "content-type": "application/json" }, body: chatBody("What is x402?") });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const receipt = (await readUIChunks(res)).find((c) => c.type === "data-receipt")?.data as Receipt | undefined;
  if (!receipt) throw new Error("no receipt in the stream");
  await tab.settled(receipt);
  return receipt;
}

async function sendJson(tab: TabClient, base: string): Promise<Receipt> {
  const res = await tab.fetch(chatUrl(base), { method: "POST", headers: asJson, body: chatBody("What is x402?") });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text}`);
  return (JSON.parse(text) as { payment: Receipt }).payment;
}

/** The facilitator's transactions so far: a voucher sends none, a deposit and a refund one each. */
async function facilitatorNonce(): Promise<number> {
  const supported = (await (await fetch(`${stack.url}/api/facilitator/supported`)).json()) as { kinds: Array<{ scheme: string; extra?: { receiverAuthorizer?: Address } }> };
  const facilitator = supported.kinds.find((k) => k.scheme === "batch-settlement")!.extra!.receiverAuthorizer!;
  return createPublicClient({ transport: http(stack.anvil.rpcUrl) }).getTransactionCount({ address: facilitator });
}

/** The session key's secrets for the Guide's tab, computed here the way the client does: what no request may carry. */
async function sessionSecrets(payer: PrivateKeyAccount): Promise<string[]> {
  const scope = { payer: payer.address, receiver: getAgent(GUIDE_AGENT)!.payTo as Address, token: LOCAL.usdc.address, network: LOCAL.caip2 };
  const signature = await payer.signTypedData(sessionKeyMessage(scope));
  const key = keyFromSignature(signature);
  // Each as hex without its prefix, so neither a 0x-less copy nor a different case hides it.
  return [signature, key].map((hex: Hex) => hex.slice(2).toLowerCase());
}

/** A seller in front of the real route whose answers `tamper` may rewrite (headers only; the body passes as is). */
async function dishonestSeller(tamper: (method: string, status: number, headers: Headers) => void | Promise<void>) {
  const forward = async (req: Request) => {
    const url = new URL(req.url);
    const res = await fetch(`${stack.url}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
      body: req.method === "GET" ? undefined : await req.arrayBuffer(),
    });
    const headers = new Headers(res.headers);
    const body = await res.text();
    await tamper(req.method, res.status, headers);
    headers.delete("content-length");
    return new Response(body, { status: res.status, headers });
  };
  return serveRoutes([
    { method: "POST", path: "/api/x402/:agentId/chat", handle: forward },
    { method: "GET", path: "/api/x402/:agentId/chat", handle: forward },
  ]);
}

describe("a tab paid by the browser's tab client", () => {
  it("opens with one deposit (two wallet signatures), pays 10 streamed messages with no other transaction and no corrective 402, never sends the session key; closing refunds the deposit less the charges", async () => {
    const price = guidePrice();
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const wallet = countingWallet(payer);
    const storage = new MemoryStorage();
    const { tab, sent, charges, records } = page(wallet, storage);
    const start = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const nonceBefore = await facilitatorNonce();

    const receipts: Receipt[] = [];
    for (let i = 0; i < 10; i += 1) receipts.push(await sendStreamed(tab, stack.url));

    // One transaction: the deposit, 20 messages at the maximum; each voucher was signed by the session key alone.
    expect((await facilitatorNonce()) - nonceBefore).toBe(1);
    expect(receipts[0]!.tab!.depositTransaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(receipts.slice(1).every((r) => r.tab!.depositTransaction === undefined)).toBe(true);
    expect(wallet.signatures).toBe(2); // the session key's derivation and the deposit
    const deposit = 20n * price;
    const channelId = receipts[0]!.tab!.channelId;
    const events = await (await getLedger()).tabs(LOCAL.caip2).listEvents(channelId);
    expect(events.filter((e) => e.kind === "deposit").map((e) => e.amount)).toEqual([deposit.toString()]);

    // Each stream's receipt kept the client in step: every message is one quote and one paid request.
    expect(sent.map((s) => s.status)).toEqual(Array.from({ length: 10 }, () => [402, 200]).flat());
    const charged = 10n * price;
    expect(receipts.map((r) => r.tab!.chargedCumulativeAmount)).toEqual(receipts.map((_, i) => (BigInt(i + 1) * price).toString()));
    expect(records.record(channelId)?.context).toMatchObject({ chargedCumulativeAmount: charged.toString(), balance: deposit.toString() });
    // What the chat is told of each message: the charge it adopted, of the voucher's maximum, and the deposit once.
    expect(charges).toEqual(
      receipts.map((_, i) => ({ channelId, payer: payer.address, charged: price, maxAmount: price, chargedCumulative: BigInt(i + 1) * price, balance: deposit, ...(i === 0 && { deposit }) })),
    );

    // Close: one refund transaction returns what was not charged.
    const closed = await tab.close(chatUrl(stack.url));
    expect(closed.refunded).toBe(deposit - charged);
    expect(closed.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await facilitatorNonce()) - nonceBefore).toBe(2);
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(start - charged);
    expect(records.record(channelId)).toBeUndefined();

    // No request of the whole tab carried the session key or the signature it is derived from.
    const secrets = await sessionSecrets(payer);
    expect(sent.length).toBeGreaterThan(20);
    for (const request of sent) for (const secret of secrets) expect(request.text.toLowerCase()).not.toContain(secret);
  });

  it("continues after a reload (a new page, the same storage and wallet) and on another device (the same wallet, no storage) with no new deposit", async () => {
    const price = guidePrice();
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const storage = new MemoryStorage();
    const before = page(countingWallet(payer), storage);
    const first = await sendStreamed(before.tab, stack.url);
    await sendStreamed(before.tab, stack.url);
    const channelId = first.tab!.channelId;
    const nonceAfterDeposit = await facilitatorNonce();

    // The session key derived again (a new page) is the same key: the same channel id follows from it.
    const scope = { payer: payer.address, receiver: getAgent(GUIDE_AGENT)!.payTo as Address, token: LOCAL.usdc.address, network: LOCAL.caip2 };
    const once = await deriveSessionKey(toClientEvmSigner(payer), scope);
    forgetSessionKeys();
    const twice = await deriveSessionKey(toClientEvmSigner(payer), scope);
    expect(twice.address).toBe(once.address);
    forgetSessionKeys();

    // Reload: the page's storage has the tab; the next message is a voucher on it, one quote and one paid request.
    const reloaded = page(countingWallet(payer), storage);
    const third = await sendStreamed(reloaded.tab, stack.url);
    expect(third.tab).toMatchObject({ channelId, chargedCumulativeAmount: (3n * price).toString() });
    expect(third.tab!.depositTransaction).toBeUndefined();
    expect(reloaded.sent.map((s) => s.status)).toEqual([402, 200]);

    // Another device: no storage at all. The channel is found on chain and the seller's state adopted from its copy
    // of our own voucher (a corrective 402), still with no deposit.
    forgetSessionKeys();
    const elsewhere = page(countingWallet(payer), new MemoryStorage());
    const fourth = await sendJson(elsewhere.tab, stack.url);
    expect(fourth.tab).toMatchObject({ channelId, chargedCumulativeAmount: (4n * price).toString() });
    expect(fourth.tab!.depositTransaction).toBeUndefined();
    expect(elsewhere.sent.map((s) => s.status)).toEqual([402, 402, 200]);
    expect(await facilitatorNonce()).toBe(nonceAfterDeposit);
    expect(elsewhere.records.record(channelId)?.context?.chargedCumulativeAmount).toBe((4n * price).toString());
  });
});

describe("a cheating seller", () => {
  /**
   * Reports every voucher's charge above the voucher's increment (with a charged total to match, so only the first
   * check can catch it). The deposit's answer is left honest.
   */
  const cheatingSeller = () =>
    dishonestSeller((method, _status, headers) => {
      const header = headers.get("PAYMENT-RESPONSE");
      if (!header || method !== "POST") return;
      const settle = decodePaymentResponseHeader(header);
      if (settle.extra?.channelState === undefined) return; // an exact payment's: no tab to lie about
      const charged = BigInt(String(settle.extra?.chargedAmount));
      const state = settle.extra?.channelState as { chargedCumulativeAmount: string };
      if (BigInt(state.chargedCumulativeAmount) === charged) return; // the deposit's
      const inflated = charged * 2n;
      const total = (BigInt(state.chargedCumulativeAmount) + inflated - charged).toString();
      headers.set("PAYMENT-RESPONSE", encodePaymentResponseHeader({ ...settle, extra: { ...settle.extra, chargedAmount: inflated.toString(), channelState: { ...state, chargedCumulativeAmount: total } } }));
    });

  it("stops the tab at a charge above the voucher's increment: nothing further is signed or sent, also after a reload; closing still refunds the rest", async () => {
    const price = guidePrice();
    const seller = await cheatingSeller();
    try {
      const payer = await fundedPayer(stack.anvil.rpcUrl);
      const wallet = countingWallet(payer);
      const storage = new MemoryStorage();
      const { tab, sent, records } = page(wallet, storage);
      const opened = await sendJson(tab, seller.url); // the deposit: answered honestly
      const channelId = opened.tab!.channelId;

      const cheated = await sendJson(tab, seller.url).catch((err: unknown) => err);
      expect(cheated).toBeInstanceOf(TabStopped);
      expect(cheated).toMatchObject({ reason: "tab_seller_misbehaved", message: expect.stringContaining(`charged ${2n * price}`) });
      // The lie was not adopted, and the stop is kept with the tab.
      expect(records.record(channelId)?.context?.chargedCumulativeAmount).toBe(price.toString());
      expect(records.record(channelId)?.stopped?.code).toBe("tab_seller_misbehaved");

      // The next message: refused before anything is signed or paid (only the quote goes out).
      const signaturesBefore = wallet.signatures;
      const paidBefore = sent.filter((s) => s.paid).length;
      await expect(sendJson(tab, seller.url)).rejects.toMatchObject({ reason: "tab_seller_misbehaved" });
      forgetSessionKeys();
      const reloaded = page(wallet, storage);
      await expect(sendJson(reloaded.tab, seller.url)).rejects.toMatchObject({ reason: "tab_seller_misbehaved" });
      expect(sent.filter((s) => s.paid)).toHaveLength(paidBefore);
      expect(reloaded.sent.filter((s) => s.paid)).toHaveLength(0);
      expect(wallet.signatures - signaturesBefore).toBe(0); // not even the reloaded page's key derivation

      // Another wallet of the same browser is not stopped by this wallet's tab.
      const other = page(countingWallet(await fundedPayer(stack.anvil.rpcUrl)), storage);
      expect((await sendJson(other.tab, seller.url)).success).toBe(true);

      // Closing refunds what the seller did not charge: the server's own total (two messages), checked against the
      // voucher we signed, not the lie.
      const start = await usdcBalance(stack.anvil.rpcUrl, payer.address);
      const closed = await reloaded.tab.close(chatUrl(seller.url));
      expect(closed.refunded).toBe(20n * price - 2n * price);
      expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(start + closed.refunded);
      expect(reloaded.records.record(channelId)?.stopped?.code).toBe("tab_seller_misbehaved");
    } finally {
      await seller.close();
    }
  });

  it("refuses an exact payment to the receiver of this payer's stopped tab before anything is signed, until the tab is closed", async () => {
    const price = guidePrice();
    const seller = await cheatingSeller();
    try {
      const payer = await fundedPayer(stack.anvil.rpcUrl);
      const wallet = countingWallet(payer);
      const storage = new MemoryStorage();
      const { tab, sent, records } = page(wallet, storage);
      await sendJson(tab, seller.url);
      await expect(sendJson(tab, seller.url)).rejects.toMatchObject({ reason: "tab_seller_misbehaved" });

      // The chat's exact payer, as the transport builds it: its requests go through the stopped-receiver check.
      const exact = createPayingFetch({
        network: LOCAL,
        signer: () => wallet,
        shownPrice: () => ({ network: LOCAL.caip2, asset: LOCAL.usdc.address, payTo: getAgent(GUIDE_AGENT)!.payTo as Address, amount: price }),
        policy: () => ({ policy: DEFAULT_POLICY, spent: { session: 0n, today: 0n } }),
        approve: async () => false,
        usdcBalance: (address) => usdcBalance(stack.anvil.rpcUrl, address),
        onPaid: () => undefined,
        baseFetch: refuseStoppedReceivers(recordingFetch(sent), {
          tabs: () => records.all(),
          payer: () => wallet.address,
        }),
      });
      const send = () => exact(chatUrl(seller.url), { method: "POST", headers: asJson, body: chatBody("What is x402?") });
      const signatures = wallet.signatures;
      const paid = sent.filter((s) => s.paid).length;
      await expect(send()).rejects.toMatchObject({ reason: "payment_rejected", message: expect.stringContaining("nothing more will be signed") });
      expect(wallet.signatures).toBe(signatures);
      expect(sent.filter((s) => s.paid)).toHaveLength(paid);

      // Closed (the rest refunded), the receiver may be paid by exact again.
      await tab.close(chatUrl(seller.url));
      const closed = sent.filter((s) => s.paid).length;
      const res = await send();
      expect(res.status).toBe(200);
      expect(sent.filter((s) => s.paid)).toHaveLength(closed + 1);
    } finally {
      await seller.close();
    }
  });

  it("stops the tab at a streamed receipt that misreports the charge", async () => {
    const price = guidePrice();
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { tab, sent, records } = page(countingWallet(payer), new MemoryStorage());
    await sendStreamed(tab, stack.url);
    const res = await tab.fetch(chatUrl(stack.url), { method: "POST", headers: { "content-type": "application/json" }, body: chatBody("What is x402?") });
    const receipt = (await readUIChunks(res)).find((c) => c.type === "data-receipt")!.data as Receipt;
    // The seller's receipt, altered as a cheating seller would write it: the charged total skips ahead.
    const lie = { ...receipt, tab: { ...receipt.tab!, chargedCumulativeAmount: (BigInt(receipt.tab!.chargedCumulativeAmount) + price).toString() } };
    await expect(tab.settled(lie)).rejects.toMatchObject({ reason: "tab_seller_misbehaved" });
    expect(records.record(receipt.tab!.channelId)?.context?.chargedCumulativeAmount).toBe(price.toString());
    const paid = sent.filter((s) => s.paid).length;
    await expect(sendStreamed(tab, stack.url)).rejects.toMatchObject({ reason: "tab_seller_misbehaved" });
    expect(sent.filter((s) => s.paid)).toHaveLength(paid);
  });
});

describe("a tab's deposit under the policy", () => {
  it("asks, as exact does, for a maximum over the per-message cap: refused, nothing is signed; approved, the message is paid", async () => {
    const price = guidePrice();
    const wallet = countingWallet(await fundedPayer(stack.anvil.rpcUrl));
    const asked: ApprovalRequest[] = [];
    let answer = false;
    const { tab, sent } = page(wallet, new MemoryStorage(), {
      policy: () => ({ policy: { ...DEFAULT_POLICY, maxPerMessage: price - 1n }, spent: { session: 0n, today: 0n } }),
      approve: async (request) => {
        asked.push(request);
        return answer;
      },
    });
    await expect(sendJson(tab, stack.url)).rejects.toMatchObject({ reason: "policy_refused" });
    expect(asked).toEqual([{ kind: "over-policy", amount: price, payTo: getAgent(GUIDE_AGENT)!.payTo, verdict: { ok: false, rule: "per-message", limit: price - 1n, wouldSpend: price } }]);
    expect(wallet.signatures).toBe(0);
    expect(sent.filter((s) => s.paid)).toHaveLength(0);

    answer = true;
    expect((await sendJson(tab, stack.url)).tab).toMatchObject({ chargedAmount: price.toString() });
    expect(asked).toHaveLength(2);
    expect(sent.filter((s) => s.paid)).toHaveLength(1);
  });

  it("without a way to ask, refuses a maximum over the per-message cap before anything is signed", async () => {
    const price = guidePrice();
    const wallet = countingWallet(await fundedPayer(stack.anvil.rpcUrl));
    const { tab, sent } = page(wallet, new MemoryStorage(), { policy: () => ({ policy: { ...DEFAULT_POLICY, maxPerMessage: price - 1n }, spent: { session: 0n, today: 0n } }) });
    await expect(sendJson(tab, stack.url)).rejects.toMatchObject({ reason: "policy_refused" });
    expect(wallet.signatures).toBe(0);
    expect(sent.filter((s) => s.paid)).toHaveLength(0);
  });

  it("releases a refused deposit's reservation at once (the seller did not take it)", async () => {
    const price = guidePrice();
    // A wallet holding less than the deposit, and no balance check here: the seller's facilitator refuses the deposit.
    const wallet = countingWallet(await fundedPayer(stack.anvil.rpcUrl, "0.0001"));
    const stores = { local: new MemoryStorage(), session: new MemoryStorage() };
    const reserved: bigint[] = [];
    const { tab, sent } = page(wallet, new MemoryStorage(), {
      policy: () => ({ policy: DEFAULT_POLICY, spent: readSpent(stores, LOCAL.chainId) }),
      onDeposit: ({ channelId, amount }) => {
        reserveDeposit(stores, LOCAL.chainId, channelId, amount);
        reserved.push(readBudgetUse(stores, LOCAL.chainId).reserved.session);
      },
      onDepositFailed: ({ channelId, amount }) => releaseReservation(stores, LOCAL.chainId, channelId, amount),
    });
    await expect(sendJson(tab, stack.url)).rejects.toBeInstanceOf(TabStopped);
    expect(sent.filter((s) => s.paid)).toHaveLength(1); // the deposit went out and was refused
    expect(reserved).toEqual([20n * price]);
    expect(readBudgetUse(stores, LOCAL.chainId)).toEqual({ spent: { session: 0n, today: 0n }, reserved: { session: 0n, today: 0n } });
  });

  it("sizes the deposit by what the budgets have left (deposits count as spent), refuses a top-up over them, and tops up once the user allows more", async () => {
    const price = guidePrice();
    const wallet = countingWallet(await fundedPayer(stack.anvil.rpcUrl));
    const spent = { session: 0n, today: 0n };
    let policy = { ...DEFAULT_POLICY, sessionBudget: 5n * price };
    const { tab, sent, charges } = page(wallet, new MemoryStorage(), {
      policy: () => ({ policy, spent }),
      onDeposit: ({ amount }) => {
        spent.session += amount;
        spent.today += amount;
      },
    });
    const nonceBefore = await facilitatorNonce();
    for (let i = 0; i < 5; i += 1) await sendJson(tab, stack.url);
    expect(charges[0]!.deposit).toBe(5n * price);
    expect(wallet.signatures).toBe(2);

    // The deposit is spent: the next message needs a top-up the session budget no longer allows. Nothing is signed.
    const paid = sent.filter((s) => s.paid).length;
    await expect(sendJson(tab, stack.url)).rejects.toMatchObject({ reason: "policy_refused" });
    expect(sent.filter((s) => s.paid)).toHaveLength(paid);
    expect(wallet.signatures).toBe(2);

    // More budget: one top-up of what it allows, one more wallet signature and one more transaction.
    policy = { ...policy, sessionBudget: 8n * price };
    const sixth = await sendJson(tab, stack.url);
    expect(sixth.tab).toMatchObject({ chargedCumulativeAmount: (6n * price).toString(), depositTransaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    expect(charges.at(-1)).toMatchObject({ deposit: 3n * price, balance: 8n * price });
    expect(wallet.signatures).toBe(3);
    expect((await facilitatorNonce()) - nonceBefore).toBe(2);
  });

  it("deposits no more than the wallet holds, and refuses one that cannot cover this message", async () => {
    const price = guidePrice();
    const rich = page(countingWallet(await fundedPayer(stack.anvil.rpcUrl, "0.0025")), new MemoryStorage(), { usdcBalance: (address) => usdcBalance(stack.anvil.rpcUrl, address) });
    await sendJson(rich.tab, stack.url);
    expect(rich.charges[0]!.deposit).toBe(2_500n);
    expect(price).toBeLessThan(2_500n);

    const poor = page(countingWallet(await fundedPayer(stack.anvil.rpcUrl, "0.0001")), new MemoryStorage(), { usdcBalance: (address) => usdcBalance(stack.anvil.rpcUrl, address) });
    await expect(sendJson(poor.tab, stack.url)).rejects.toMatchObject({ reason: "insufficient_funds" });
    expect(poor.sent.filter((s) => s.paid)).toHaveLength(0);
  });
});

describe("a corrective 402", () => {
  /** One streamed message whose receipt the page never read (a reload, a dropped connection): the tab lags one charge. */
  async function streamUnread(tab: TabClient, base: string) {
    const res = await tab.fetch(chatUrl(base), { method: "POST", headers: { "content-type": "application/json" }, body: chatBody("What is x402?") });
    expect(res.status).toBe(200);
    await res.text();
  }

  it("after a receipt never read: the seller's state is adopted from its copy of our own voucher, and the tab goes on with no deposit", async () => {
    const price = guidePrice();
    const { tab, sent, records } = page(countingWallet(await fundedPayer(stack.anvil.rpcUrl)), new MemoryStorage());
    const first = await sendStreamed(tab, stack.url);
    await streamUnread(tab, stack.url);
    const nonce = await facilitatorNonce();
    const third = await sendStreamed(tab, stack.url);
    expect(third.tab).toMatchObject({ channelId: first.tab!.channelId, chargedCumulativeAmount: (3n * price).toString() });
    expect(sent.slice(-3).map((s) => s.status)).toEqual([402, 402, 200]);
    expect(await facilitatorNonce()).toBe(nonce);
    expect(records.record(first.tab!.channelId)?.context?.chargedCumulativeAmount).toBe((3n * price).toString());
  });

  it("whose voucher our session key never signed (a seller claiming more than we authorized) stops the tab: nothing adopted, nothing more signed", async () => {
    const price = guidePrice();
    const forger = privateKeyToAccount(generatePrivateKey());
    const forging = await dishonestSeller(async (method, status, headers) => {
      const header = headers.get("PAYMENT-REQUIRED");
      if (method !== "POST" || status !== 402 || !header) return;
      const required = decodePaymentRequiredHeader(header);
      const offer = required.accepts.find((a) => a.scheme === "batch-settlement");
      const state = offer?.extra?.channelState as { channelId: Hex; chargedCumulativeAmount: string } | undefined;
      if (!offer || !state || !required.error) return;
      const claimed = (BigInt(state.chargedCumulativeAmount) + 5n * price).toString();
      const voucher = await signVoucher(toClientEvmSigner(forger), state.channelId, claimed, LOCAL.caip2);
      offer.extra = { ...offer.extra, channelState: { ...state, chargedCumulativeAmount: claimed }, voucherState: { signedMaxClaimable: claimed, signature: voucher.signature } };
      headers.set("PAYMENT-REQUIRED", encodePaymentRequiredHeader(required));
    });
    try {
      const wallet = countingWallet(await fundedPayer(stack.anvil.rpcUrl));
      const { tab, sent, records } = page(wallet, new MemoryStorage());
      const first = await sendStreamed(tab, forging.url);
      await streamUnread(tab, forging.url);
      await expect(sendStreamed(tab, forging.url)).rejects.toMatchObject({ reason: "tab_seller_misbehaved", message: expect.stringContaining("not signed by this tab's key") });
      expect(records.record(first.tab!.channelId)?.context?.chargedCumulativeAmount).toBe(price.toString());
      const paid = sent.filter((s) => s.paid).length;
      const signatures = wallet.signatures;
      await expect(sendStreamed(tab, forging.url)).rejects.toMatchObject({ reason: "tab_seller_misbehaved" });
      expect(sent.filter((s) => s.paid)).toHaveLength(paid);
      expect(wallet.signatures).toBe(signatures);
    } finally {
      await forging.close();
    }
  });
});

describe("an external wallet (wagmi's mock connector on anvil)", () => {
  it("pays 5 messages with two signature requests (the session key, the deposit) and none per message, the same key after a reload", async () => {
    // Anvil's dev account #2, which the node signs for (deterministically, as the key derivation needs).
    const account: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
    await fundLocalAccount(stack.anvil.rpcUrl, account, { usdc: parseUnits("1", 6), eth: 0n });
    const config = createConfig({
      chains: [viemChainOf(LOCAL, stack.anvil.rpcUrl)],
      connectors: [mock({ accounts: [account] })],
      transports: { [LOCAL.chainId]: http(stack.anvil.rpcUrl) },
    });
    const unbridge = bridgeExternalWallet(config);
    try {
      await connect(config, { connector: config.connectors[0]! });
      const requests: string[] = [];
      // What the chat would hand the tab client: the bridge's signer (one wallet prompt per call) plus a chain reader.
      const externalWallet = (): TabWallet => {
        const signer = getExternalSigner(LOCAL.chainId)!;
        const reader = createPublicClient({ transport: http(stack.anvil.rpcUrl) });
        return {
          address: signer.address,
          signTypedData: (request) => {
            requests.push(request.primaryType);
            return signer.signTypedData(request);
          },
          readContract: (args) => reader.readContract(args as Parameters<typeof reader.readContract>[0]),
        };
      };
      const storage = new MemoryStorage();
      const { tab } = page(externalWallet(), storage);
      const receipts: Receipt[] = [];
      for (let i = 0; i < 5; i += 1) receipts.push(await sendStreamed(tab, stack.url));
      expect(requests).toEqual(["SessionKey", "ReceiveWithAuthorization"]);
      expect(receipts.every((r) => r.payer.toLowerCase() === account.toLowerCase())).toBe(true);

      // A reload: one request (the key, derived again: the same one, so the same channel), still none per message.
      forgetSessionKeys();
      const reloaded = page(externalWallet(), storage);
      const sixth = await sendStreamed(reloaded.tab, stack.url);
      expect(sixth.tab!.channelId).toBe(receipts[0]!.tab!.channelId);
      expect(sixth.tab!.depositTransaction).toBeUndefined();
      expect(requests).toEqual(["SessionKey", "ReceiveWithAuthorization", "SessionKey"]);
    } finally {
      unbridge();
    }
  });
});

describe("the wallet's own way out of a tab", () => {
  it("withdraws after the channel's delay with the config kept in storage, without the session key or the seller", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    await fundLocalAccount(stack.anvil.rpcUrl, payer.address, { usdc: 0n, eth: parseEther("1") }); // the wallet pays gas here
    const storage = new MemoryStorage();
    const { tab } = page(countingWallet(payer), storage);
    const first = await sendJson(tab, stack.url);
    await sendJson(tab, stack.url);
    const channelId = first.tab!.channelId as Hex;
    const start = await usdcBalance(stack.anvil.rpcUrl, payer.address);

    // Another page, the key never derived: the stored config names the channel.
    forgetSessionKeys();
    const config = tabStorage(LOCAL.chainId, storage).record(channelId)!.config!;
    expect(computeChannelId(config, LOCAL.caip2).toLowerCase()).toBe(channelId);
    const chain = viemChainOf(LOCAL, stack.anvil.rpcUrl);
    const reader = createPublicClient({ chain, transport: http(stack.anvil.rpcUrl), pollingInterval: 50 });
    const wallet = createWalletClient({ account: payer, chain, transport: http(stack.anvil.rpcUrl) });
    const send = async (call: ReturnType<typeof requestWithdrawal> | ReturnType<typeof finishWithdrawal>) => {
      const receipt = await reader.waitForTransactionReceipt({ hash: await wallet.writeContract(call as Parameters<typeof wallet.writeContract>[0]) });
      expect(receipt.status).toBe("success");
    };

    const before = await tabOnChain(reader, channelId, config.withdrawDelay);
    expect(before.withdrawal).toBeNull();
    await send(requestWithdrawal(config, before.balance));
    const pending = await tabOnChain(reader, channelId, config.withdrawDelay);
    expect(pending.withdrawal).toMatchObject({ amount: before.balance, readyAt: pending.withdrawal!.initiatedAt + config.withdrawDelay });
    // Not before its delay: the contract refuses (the seller's time to claim what it charged).
    await expect(wallet.writeContract(finishWithdrawal(config) as Parameters<typeof wallet.writeContract>[0])).rejects.toThrow();

    const anvil = createTestClient({ mode: "anvil", chain, transport: http(stack.anvil.rpcUrl) });
    await anvil.increaseTime({ seconds: config.withdrawDelay });
    await anvil.mine({ blocks: 1 });
    await send(finishWithdrawal(config));
    const after = await tabOnChain(reader, channelId, config.withdrawDelay);
    expect(after.balance).toBe(0n);
    // What the seller had not claimed comes back to the wallet.
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(start + before.balance - before.totalClaimed);
  });
});
