/**
 * Tabs (x402 batch-settlement) through the real paid route: a real anvil with the tab contracts at their canonical
 * addresses, our facilitator, the ledger (PGlite), and the OFFICIAL client (@x402/fetch with @x402/evm's
 * batch-settlement client scheme, vouchers signed by a payer-authorizer session key).
 */
import { decodePaymentRequiredHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import { x402Client } from "@x402/core/client";
import type { PaymentRequirements } from "@x402/core/types";
import { toClientEvmSigner } from "@x402/evm";
import {
  BatchSettlementEvmScheme as TabClientScheme,
  InMemoryClientChannelStorage,
  computeChannelId,
  signVoucher,
} from "@x402/evm/batch-settlement/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import { createPublicClient, http, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { chargeForReply } from "@/lib/agents/pricing";
import { getAgent, priceAtomic } from "@/lib/agents/registry";
import { NETWORKS } from "@/lib/chains/networks";
import { getLedger } from "@/lib/ledger";
import type { Receipt, UsageReport } from "@/lib/x402/shared/receipt";
import { startDefiLlamaDouble } from "../agents/support/defillama-double";
import { deadUrl } from "../agents/support/http";
import { setEnv } from "../support/fixtures";
import { readUIChunks } from "../support/ui-stream";
import { MARKET_AGENT, USDC, chatBody, fundedPayer, paidStackFixture, usdcBalance } from "./support";

const stack = paidStackFixture();
// The x402 Guide answers a price from DeFiLlama: a double that answers, so its replies are charged (a reply whose
// every tool call failed is charged 0, and DeFiLlama itself is unreachable offline).
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
const NETWORK = NETWORKS.local.caip2;
/** The x402 Guide: a flat price (0.001 USDC), so every delivered reply is charged the price. */
const GUIDE_AGENT = "00000000-0000-0000-0000-000000000003";
const chatUrl = (agentId: string) => `${stack.url}/api/x402/${agentId}/chat`;

type Depositing = ConstructorParameters<typeof TabClientScheme>[1];

/**
 * The official client for a tab: the payer's key signs the deposit, a session key (the channel's payerAuthorizer)
 * signs vouchers. `sent` records each request's status and payment header, in order.
 */
function tabClient(payer: PrivateKeyAccount, options: Partial<Exclude<Depositing, undefined | { depositMultiplier?: number }>> = {}) {
  const publicClient = createPublicClient({ transport: http(stack.anvil.rpcUrl) });
  const session = privateKeyToAccount(generatePrivateKey());
  const storage = new InMemoryClientChannelStorage();
  const scheme = new TabClientScheme(toClientEvmSigner(payer, publicClient), {
    storage,
    voucherSigner: toClientEvmSigner(session),
    payerAuthorizer: session.address,
    depositPolicy: { depositMultiplier: 30 },
    ...options,
  });
  const client = x402Client.fromConfig({
    schemes: [{ network: NETWORK, client: scheme }],
    spendControls: { allowedAssets: [{ network: NETWORK, asset: USDC }] },
  });
  const sent: Array<{ status: number; payment: string | null; error?: string }> = [];
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const res = await fetch(request);
    const required = res.headers.get("PAYMENT-REQUIRED");
    sent.push({
      status: res.status,
      payment: request.headers.get("PAYMENT-SIGNATURE"),
      error: required ? decodePaymentRequiredHeader(required).error : undefined,
    });
    return res;
  };
  return { scheme, storage, session, sent, pay: wrapFetchWithPayment(recording, client) };
}

const asJson = { "content-type": "application/json", accept: "application/json" };

interface JsonReply {
  usage: UsageReport;
  payment: Receipt;
}

async function sendJson(pay: typeof fetch, agentId: string, text = "What is the current price of ETH?"): Promise<JsonReply> {
  const res = await pay(chatUrl(agentId), { method: "POST", headers: asJson, body: chatBody(text) });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${body}`);
  return JSON.parse(body) as JsonReply;
}

async function sendStreamed(pay: typeof fetch, agentId: string, text = "What is the current price of ETH?"): Promise<{ usage: UsageReport; receipt: Receipt }> {
  const res = await pay(chatUrl(agentId), { method: "POST", headers: { "content-type": "application/json" }, body: chatBody(text) });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const chunks = await readUIChunks(res);
  const part = <T>(type: string) => chunks.find((c) => c.type === type)?.data as T | undefined;
  const receipt = part<Receipt>("data-receipt");
  const usage = part<UsageReport>("data-usage");
  if (!receipt || !usage) throw new Error(`no receipt or usage in the stream: ${JSON.stringify(chunks.map((c) => c.type))}`);
  return { usage, receipt };
}

/** The facilitator's transactions and the chain's blocks so far: what must not move while a tab is paid. */
async function chainActivity() {
  const client = createPublicClient({ transport: http(stack.anvil.rpcUrl) });
  const supported = (await (await fetch(`${stack.url}/api/facilitator/supported`)).json()) as { kinds: Array<{ scheme: string; extra?: { receiverAuthorizer?: Address } }> };
  const facilitator = supported.kinds.find((k) => k.scheme === "batch-settlement")!.extra!.receiverAuthorizer!;
  const [nonce, block] = await Promise.all([client.getTransactionCount({ address: facilitator }), client.getBlockNumber()]);
  return { nonce, block };
}

async function tabRequirements(agentId: string): Promise<PaymentRequirements> {
  const res = await fetch(chatUrl(agentId), { method: "POST", body: chatBody("hi") });
  return decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!).accepts.find((a) => a.scheme === "batch-settlement")!;
}

async function serverChannel(channelId: string) {
  const ledger = await getLedger();
  return ledger.tabs(NETWORK).get(channelId);
}

/** Each receipt's charge is within the price, and the running totals add up one by one. */
function expectChargesAddUp(receipts: Receipt[], price: bigint): bigint {
  let sum = 0n;
  for (const receipt of receipts) {
    expect(receipt.success).toBe(true);
    const charged = BigInt(receipt.tab!.chargedAmount);
    expect(charged).toBeGreaterThan(0n);
    expect(charged).toBeLessThanOrEqual(price);
    expect(receipt.amount).toBe(receipt.tab!.chargedAmount);
    expect(receipt.tab!.maxAmount).toBe(price.toString());
    sum += charged;
    expect(receipt.tab!.chargedCumulativeAmount).toBe(sum.toString());
  }
  return sum;
}

describe("a tab through the official client", () => {
  it("opens with one deposit and pays 20 JSON replies with no other transaction; each is charged its formula; a refund returns the rest", async () => {
    const market = getAgent(MARKET_AGENT)!;
    const price = priceAtomic(market);
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { pay, storage, scheme, sent } = tabClient(payer);
    const payerStart = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const before = await chainActivity();

    const replies: JsonReply[] = [];
    for (let i = 0; i < 20; i += 1) replies.push(await sendJson(pay, MARKET_AGENT));

    // One transaction (the deposit, sent by the facilitator with the first message) and one block.
    const after = await chainActivity();
    expect(after.nonce - before.nonce).toBe(1);
    expect(after.block - before.block).toBe(1n);
    const [first, ...rest] = replies.map((r) => r.payment);
    expect(first!.tab!.depositTransaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(first!.transaction).toBe(first!.tab!.depositTransaction);
    for (const receipt of rest) {
      expect(receipt.transaction).toBe("");
      expect(receipt.tab!.depositTransaction).toBeUndefined();
    }
    const deposit = 30n * price;
    expect(replies.every((r) => r.payment.tab!.balance === deposit.toString())).toBe(true);

    // Token-priced: each charge is the formula on the reported usage, within the price.
    for (const { usage, payment } of replies) expect(payment.tab!.chargedAmount).toBe(chargeForReply(market, usage).toString());
    const charged = expectChargesAddUp(replies.map((r) => r.payment), price);
    expect(charged).toBeLessThan(20n * price); // the formula charged less than the maximum

    // PAYMENT-RESPONSE kept the client in step: no corrective 402, two requests per message (quote, paid).
    expect(sent.map((s) => s.status)).toEqual(Array.from({ length: 20 }, () => [402, 200]).flat());
    const channelId = first!.tab!.channelId;
    expect((await storage.get(channelId))?.chargedCumulativeAmount).toBe(charged.toString());
    const channel = await serverChannel(channelId);
    expect(channel?.chargedCumulativeAmount).toBe(charged.toString());

    // The ledger: one deposit and 20 charges with their usage.
    const events = await (await getLedger()).tabs(NETWORK).listEvents(channelId);
    expect(events.filter((e) => e.kind === "deposit").map((e) => [e.amount, e.txHash])).toEqual([[deposit.toString(), first!.tab!.depositTransaction]]);
    const charges = events.filter((e) => e.kind === "charge");
    expect(charges.map((e) => e.amount)).toEqual(replies.map((r) => r.payment.tab!.chargedAmount));
    expect(charges.map((e) => [e.inputTokens, e.outputTokens])).toEqual(replies.map((r) => [r.usage.inputTokens, r.usage.outputTokens]));
    expect(new Set(charges.map((e) => e.agentId))).toEqual(new Set([MARKET_AGENT]));
    expect(charges.map((e) => e.id)).toEqual(replies.map((r) => r.payment.paymentId));

    // The cooperative refund (the client's own, as GETs): exactly the deposit less the charges comes back.
    const refund = await scheme.refund(chatUrl(MARKET_AGENT));
    expect(refund.success).toBe(true);
    expect(refund.amount).toBe((deposit - charged).toString());
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(payerStart - charged);
    const refundEvents = (await (await getLedger()).tabs(NETWORK).listEvents(channelId)).filter((e) => e.kind === "refund");
    expect(refundEvents.map((e) => [e.amount, e.txHash])).toEqual([[(deposit - charged).toString(), refund.transaction]]);
  });

  it("pays 20 streamed replies: each message after a stream gets through by the corrective 402, with no other transaction", async () => {
    const guide = getAgent(GUIDE_AGENT)!;
    const price = priceAtomic(guide);
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { pay, sent, storage } = tabClient(payer);
    const before = await chainActivity();

    const receipts: Receipt[] = [];
    for (let i = 0; i < 20; i += 1) receipts.push((await sendStreamed(pay, GUIDE_AGENT)).receipt);

    const after = await chainActivity();
    expect(after.nonce - before.nonce).toBe(1);
    expect(after.block - before.block).toBe(1n);
    const charged = expectChargesAddUp(receipts, price);
    expect(charged).toBe(20n * price); // a flat agent is charged its price
    // A stream has no PAYMENT-RESPONSE: the next message's voucher is refused with the channel's state, the client
    // resyncs from it (checking its own signature) and retries once.
    const statuses = sent.map((s) => s.status);
    expect(statuses.slice(0, 2)).toEqual([402, 200]);
    for (let i = 1; i < 20; i += 1) expect(statuses.slice(2 + (i - 1) * 3, 2 + i * 3)).toEqual([402, 402, 200]);
    const correctives = sent.filter((s) => s.payment && s.status === 402);
    expect(correctives).toHaveLength(19);
    expect(new Set(correctives.map((s) => s.error))).toEqual(new Set(["invalid_batch_settlement_evm_cumulative_amount_mismatch"]));
    // The client knows the charged total of all but the last stream; the server knows all of it.
    const channelId = receipts[0]!.tab!.channelId;
    expect((await serverChannel(channelId))?.chargedCumulativeAmount).toBe(charged.toString());
    expect((await storage.get(channelId))?.chargedCumulativeAmount).toBe((charged - price).toString());
  });
});

describe("a tab refuses what it must", () => {
  it("serializes 20 requests at once on one channel: no double charge, each refused one says why", async () => {
    const guide = getAgent(GUIDE_AGENT)!;
    const price = priceAtomic(guide);
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { pay } = tabClient(payer, { depositPolicy: { depositMultiplier: 50 } });
    const opened = await sendJson(pay, GUIDE_AGENT);
    const channelId = opened.payment.tab!.channelId;

    const results = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const res = await pay(chatUrl(GUIDE_AGENT), { method: "POST", headers: asJson, body: chatBody("What is x402?") });
        const body = (await res.json()) as Partial<JsonReply> & { error?: { code: string } | string };
        const required = res.headers.get("PAYMENT-REQUIRED");
        return { status: res.status, body, requiredError: required ? decodePaymentRequiredHeader(required).error : undefined };
      }),
    );
    const served = results.filter((r) => r.status === 200).map((r) => r.body.payment!);
    const refused = results.filter((r) => r.status !== 200);
    expect(served.length + refused.length).toBe(20);
    expect(served.length).toBeGreaterThan(0);
    for (const r of refused) {
      // A channel busy with another message: 409 tab_busy; a voucher on a stale base: the corrective 402.
      if (r.status === 409) expect(r.body.error).toMatchObject({ code: "tab_busy" });
      else expect([r.status, r.requiredError]).toEqual([402, "invalid_batch_settlement_evm_cumulative_amount_mismatch"]);
    }
    // Every served reply was charged once: the running totals are distinct and the channel holds their sum.
    const totals = [opened.payment, ...served].map((r) => BigInt(r.tab!.chargedCumulativeAmount)).sort((a, b) => (a < b ? -1 : 1));
    expect(totals).toEqual(totals.map((_, i) => BigInt(i + 1) * price));
    expect((await serverChannel(channelId))?.chargedCumulativeAmount).toBe((BigInt(served.length + 1) * price).toString());
    const charges = (await (await getLedger()).tabs(NETWORK).listEvents(channelId)).filter((e) => e.kind === "charge");
    expect(charges).toHaveLength(served.length + 1);
    expect((await serverChannel(channelId))?.pendingRequest).toBeUndefined();
  });

  it("answers 409 tab_busy to a voucher sent while the tab is serving another message", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { pay } = tabClient(payer);
    const opened = await sendJson(pay, GUIDE_AGENT);
    const channelId = opened.payment.tab!.channelId;
    const restore = setEnv({ OFFLINE_MODEL_DELAY_MS: "40" });
    try {
      // A streamed reply under way: its channel is reserved until the reply ends.
      const streaming = await pay(chatUrl(GUIDE_AGENT), { method: "POST", headers: { "content-type": "application/json" }, body: chatBody("What is x402?") });
      const reader = streaming.body!.getReader();
      let seen = "";
      while (!seen.includes('"text-delta"')) seen += new TextDecoder().decode((await reader.read()).value);
      expect((await serverChannel(channelId))?.pendingRequest).toBeDefined();
      // The client's next voucher builds on the same charged total (nothing was charged yet): the tab is busy.
      const second = await pay(chatUrl(GUIDE_AGENT), { method: "POST", headers: asJson, body: chatBody("What is x402?") });
      expect(second.status).toBe(409);
      expect(((await second.json()) as { error: { code: string } }).error.code).toBe("tab_busy");
      while (!(await reader.read()).done);
    } finally {
      restore();
    }
    // Only the streamed reply was charged, and the tab serves the next message.
    expect((await serverChannel(channelId))?.pendingRequest).toBeUndefined();
    const next = await sendJson(pay, GUIDE_AGENT);
    expect(next.payment.tab!.chargedCumulativeAmount).toBe((3n * BigInt(opened.payment.tab!.chargedAmount)).toString());
  });

  it("refuses an old voucher replayed, and charges nothing for it", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { pay, sent } = tabClient(payer);
    await sendJson(pay, GUIDE_AGENT);
    const second = await sendJson(pay, GUIDE_AGENT);
    const channelId = second.payment.tab!.channelId;
    const voucherOfSecond = sent.filter((s) => s.payment && s.status === 200)[1]!.payment!;
    const chargedBefore = (await serverChannel(channelId))?.chargedCumulativeAmount;

    const replay = await fetch(chatUrl(GUIDE_AGENT), {
      method: "POST",
      headers: { ...asJson, "PAYMENT-SIGNATURE": voucherOfSecond },
      body: chatBody("What is x402?"),
    });
    expect(replay.status).toBe(402);
    const required = decodePaymentRequiredHeader(replay.headers.get("PAYMENT-REQUIRED")!);
    expect(required.error).toBe("invalid_batch_settlement_evm_cumulative_amount_mismatch");
    // The corrective offer carries the channel's charged total and the payer's last voucher.
    const offer = required.accepts.find((a) => a.scheme === "batch-settlement")!;
    expect(offer.extra).toMatchObject({
      channelState: { channelId, chargedCumulativeAmount: chargedBefore },
      voucherState: { signedMaxClaimable: chargedBefore },
    });
    expect((await serverChannel(channelId))?.chargedCumulativeAmount).toBe(chargedBefore);
  });

  it("refuses a voucher above the tab's balance", async () => {
    const guide = getAgent(GUIDE_AGENT)!;
    const price = priceAtomic(guide);
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    // A deposit of exactly one price: the second message's voucher (charged + price) exceeds it.
    const { pay, session } = tabClient(payer, { depositStrategy: ({ minimumDepositAmount }) => minimumDepositAmount });
    const first = await sendJson(pay, GUIDE_AGENT);
    expect(first.payment.tab!.balance).toBe(price.toString());

    const requirements = await tabRequirements(GUIDE_AGENT);
    const channelConfig = new TabClientScheme(toClientEvmSigner(payer), { payerAuthorizer: session.address }).buildChannelConfig(requirements);
    const channelId = computeChannelId(channelConfig, NETWORK);
    expect(channelId.toLowerCase()).toBe(first.payment.tab!.channelId);
    const voucher = await signVoucher(toClientEvmSigner(session), channelId, (BigInt(first.payment.tab!.chargedCumulativeAmount) + price).toString(), NETWORK);
    const header = encodePaymentSignatureHeader({ x402Version: 2, accepted: requirements, payload: { type: "voucher", channelConfig, voucher } });

    const res = await fetch(chatUrl(GUIDE_AGENT), { method: "POST", headers: { ...asJson, "PAYMENT-SIGNATURE": header }, body: chatBody("What is x402?") });
    expect(res.status).toBe(402);
    expect(decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!).error).toBe("invalid_batch_settlement_evm_cumulative_exceeds_balance");
    expect((await serverChannel(channelId))?.chargedCumulativeAmount).toBe(price.toString());
    expect((await serverChannel(channelId))?.pendingRequest).toBeUndefined();
  });

  it("refuses a voucher signed by anyone but the channel's payer authorizer, and charges nothing for it", async () => {
    const guide = getAgent(GUIDE_AGENT)!;
    const price = priceAtomic(guide);
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { pay, session } = tabClient(payer);
    const first = await sendJson(pay, GUIDE_AGENT);
    const requirements = await tabRequirements(GUIDE_AGENT);
    const channelConfig = new TabClientScheme(toClientEvmSigner(payer), { payerAuthorizer: session.address }).buildChannelConfig(requirements);
    const channelId = computeChannelId(channelConfig, NETWORK);
    const charged = first.payment.tab!.chargedCumulativeAmount;
    const next = (BigInt(charged) + price).toString();
    // The right channel and amount, signed by other keys: a stranger, and the payer itself (not the channel's signer).
    for (const signer of [privateKeyToAccount(generatePrivateKey()), payer]) {
      const voucher = await signVoucher(toClientEvmSigner(signer), channelId, next, NETWORK);
      const header = encodePaymentSignatureHeader({ x402Version: 2, accepted: requirements, payload: { type: "voucher", channelConfig, voucher } });
      const res = await fetch(chatUrl(GUIDE_AGENT), { method: "POST", headers: { ...asJson, "PAYMENT-SIGNATURE": header }, body: chatBody("What is x402?") });
      expect(res.status).toBe(402);
      expect(decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!).error).toBe("invalid_batch_settlement_evm_voucher_signature");
      const channel = await serverChannel(channelId);
      expect(channel?.chargedCumulativeAmount).toBe(charged);
      expect(channel?.pendingRequest).toBeUndefined();
    }
    // The channel's own signer still pays.
    expect((await sendJson(pay, GUIDE_AGENT)).payment.tab!.chargedCumulativeAmount).toBe(next);
  });
});

describe("a payer who hangs up mid-stream", () => {
  it("is charged for what was delivered, and the tab is free for the next message at once", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { pay } = tabClient(payer);
    const opened = await sendJson(pay, GUIDE_AGENT);
    const channelId = opened.payment.tab!.channelId;
    const restore = setEnv({ OFFLINE_MODEL_DELAY_MS: "40" });
    try {
      const hangUp = new AbortController();
      const res = await pay(chatUrl(GUIDE_AGENT), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody("What is x402?"),
        signal: hangUp.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      let seen = "";
      while (!seen.includes('"text-delta"')) seen += new TextDecoder().decode((await reader.read()).value);
      hangUp.abort();
    } finally {
      restore();
    }
    // The reply ends on the server: its charge settles and the channel's reservation clears.
    await vi.waitFor(
      async () => {
        const channel = await serverChannel(channelId);
        expect(channel?.pendingRequest).toBeUndefined();
        expect(BigInt(channel!.chargedCumulativeAmount)).toBeGreaterThan(BigInt(opened.payment.tab!.chargedCumulativeAmount));
      },
      { timeout: 20_000, interval: 50 },
    );
    const next = await sendJson(pay, GUIDE_AGENT);
    expect(next.payment.success).toBe(true);
  });
});

describe("a reply whose every tool call failed (DeFiLlama unreachable)", () => {
  it("is charged 0 on the tab, JSON and streamed, and the next message is charged as usual", async () => {
    const guide = getAgent(GUIDE_AGENT)!;
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { pay } = tabClient(payer);
    const opened = await sendJson(pay, GUIDE_AGENT);
    const before = BigInt(opened.payment.tab!.chargedCumulativeAmount);
    const restore = setEnv({ DEFILLAMA_BASE_URL: await deadUrl() });
    try {
      const json = await sendJson(pay, GUIDE_AGENT, "What is the TVL of Lido?");
      expect(json.usage.toolCalls).toBe(1);
      expect(json.payment.tab).toMatchObject({ chargedAmount: "0", chargedCumulativeAmount: before.toString() });
      const streamed = await sendStreamed(pay, GUIDE_AGENT, "What is the TVL of Lido?");
      expect(streamed.usage.toolCalls).toBe(1);
      expect(streamed.receipt.tab).toMatchObject({ chargedAmount: "0", chargedCumulativeAmount: before.toString() });
    } finally {
      restore();
    }
    const charges = (await (await getLedger()).tabs(NETWORK).listEvents(opened.payment.tab!.channelId)).filter((e) => e.kind === "charge");
    expect(charges.map((e) => e.amount)).toEqual([opened.payment.tab!.chargedAmount, "0", "0"]);
    const next = await sendJson(pay, GUIDE_AGENT);
    expect(next.payment.tab!.chargedAmount).toBe(priceAtomic(guide).toString());
  });
});
