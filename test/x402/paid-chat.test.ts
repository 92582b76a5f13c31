import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import { createPublicClient, http, parseEventLogs, erc20Abi, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { getAgent, priceAtomic } from "@/lib/agents/registry";
import { getLedger } from "@/lib/ledger";
import { getLocalFacilitator } from "@/lib/x402/facilitator";
import { readUIChunks } from "../support/ui-stream";
import {
  MARKET_AGENT,
  USDC,
  WALLET_AGENT,
  chatBody,
  fundedPayer,
  payingFetch,
  signProofFor,
  paidStackFixture,
  usdcBalance,
} from "./support";

const stack = paidStackFixture();
const market = () => getAgent(MARKET_AGENT)!;
const chatUrl = (agentId = MARKET_AGENT) => `${stack.url}/api/x402/${agentId}/chat`;
/** The receiver authorizer our facilitator advertises for tabs on the local chain (its own key). */
const advertisedReceiverAuthorizer = () =>
  getLocalFacilitator().getSupported().kinds.find((k) => k.scheme === "batch-settlement" && k.network === "eip155:31337")?.extra?.receiverAuthorizer;

describe("the 402 quote", () => {
  it("carries the v2 PAYMENT-REQUIRED header and a v1-style body for this agent", async () => {
    const res = await fetch(chatUrl(), { method: "POST", body: chatBody("hi") });
    expect(res.status).toBe(402);
    const required = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!);
    expect(required.x402Version).toBe(2);
    // exact first (clients that take the first offer still pay per message), then a tab at the same price.
    expect(required.accepts.map((a) => a.scheme)).toEqual(["exact", "batch-settlement"]);
    expect(required.accepts[0]).toMatchObject({
      scheme: "exact",
      network: "eip155:31337",
      amount: priceAtomic(market()).toString(),
      asset: USDC,
      payTo: market().payTo,
      extra: { name: "USD Coin", version: "2" },
    });
    expect(required.accepts[1]).toMatchObject({
      scheme: "batch-settlement",
      network: "eip155:31337",
      amount: priceAtomic(market()).toString(),
      asset: USDC,
      payTo: market().payTo,
      extra: { name: "USD Coin", version: "2", receiverAuthorizer: advertisedReceiverAuthorizer(), withdrawDelay: 900 },
    });
    expect(required.resource.url).toBe(chatUrl());
    expect(required.extensions?.bazaar).toBeDefined();

    const body = (await res.json()) as { x402Version: number; error: string; message: string; accepts: Array<Record<string, unknown>> };
    expect(body.x402Version).toBe(1);
    expect(body.error).toBe("payment_required");
    expect(body.message).toContain("0.01 USDC");
    expect(body.accepts.map((a) => a.scheme)).toEqual(["exact", "batch-settlement"]);
    expect(body.accepts[0]).toMatchObject({ maxAmountRequired: "10000", payTo: market().payTo, asset: USDC });
    expect(body.accepts[1]).toMatchObject({ maxAmountRequired: "10000", payTo: market().payTo, asset: USDC });
    expect(res.headers.get("access-control-expose-headers")).toContain("PAYMENT-REQUIRED");
  });
});

describe("a paid message through the official @x402/fetch client", () => {
  it("streams the reply with the chainlink tool call and a receipt, and moves exactly the price", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const payTo = market().payTo;
    const [payerBefore, payToBefore] = [await usdcBalance(stack.anvil.rpcUrl, payer.address), await usdcBalance(stack.anvil.rpcUrl, payTo)];

    const res = await payingFetch(payer)(chatUrl(), {
      method: "POST",
      body: chatBody("What is the current price of ETH?"),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const chunks = await readUIChunks(res);

    const toolCall = chunks.find((c) => c.type === "tool-input-available");
    expect(toolCall?.toolName).toBe("getPrice");
    const toolOutput = chunks.find((c) => c.type === "tool-output-available") as { output?: { price?: string } };
    expect(toolOutput?.output?.price).toBe("3000");
    const text = chunks.filter((c) => c.type === "text-delta").map((c) => c.delta).join("");
    expect(text).toContain("3,000");

    const receipt = chunks.find((c) => c.type === "data-receipt")?.data as Record<string, string | boolean>;
    expect(receipt).toMatchObject({ success: true, network: "eip155:31337", amount: "10000", payer: payer.address.toLowerCase() });
    const usage = chunks.find((c) => c.type === "data-usage")?.data as { toolCalls: number; outputTokens: number };
    expect(usage.toolCalls).toBe(1);
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(chunks.at(-1)?.type).toBe("finish");

    const price = priceAtomic(market());
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(payerBefore - price);
    expect(await usdcBalance(stack.anvil.rpcUrl, payTo)).toBe(payToBefore + price);

    // The receipt's transaction is the one Transfer of exactly the price, payer → agent.
    const chain = createPublicClient({ transport: http(stack.anvil.rpcUrl) });
    const txReceipt = await chain.getTransactionReceipt({ hash: receipt.transaction as Hex });
    const transfers = parseEventLogs({ abi: erc20Abi, logs: txReceipt.logs, eventName: "Transfer" });
    expect(transfers).toHaveLength(1);
    expect(transfers[0]!.args).toEqual({ from: payer.address, to: payTo, value: price });

    const row = await (await getLedger()).getPayment(receipt.paymentId as string);
    expect(row).toMatchObject({ status: "settled", txHash: receipt.transaction, amount: "10000", payer: payer.address.toLowerCase() });
  });

  it("answers Accept: application/json with the whole reply and a PAYMENT-RESPONSE header", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const res = await payingFetch(payer)(chatUrl(WALLET_AGENT), {
      method: "POST",
      headers: { accept: "application/json" },
      body: chatBody(`What is the balance of ${payer.address}?`),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      messages: Array<{ role: string; content: string }>;
      toolCalls: Array<{ toolName: string; output: { usdc: string } }>;
      payment: { success: boolean; transaction: string };
    };
    expect(body.toolCalls[0]?.toolName).toBe("getBalances");
    expect(body.messages[0]?.content.length).toBeGreaterThan(0);
    const header = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
    expect(header).toMatchObject({ success: true, transaction: body.payment.transaction, network: "eip155:31337" });
  });
});

describe("one authorization pays for one reply", () => {
  it("refuses the same proof a second time without running the agent", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { header } = await signProofFor(payer, chatUrl());
    const send = () => fetch(chatUrl(), { method: "POST", headers: { "PAYMENT-SIGNATURE": header }, body: chatBody("What is the current price of ETH?") });
    const first = await send();
    expect(first.status).toBe(200);
    await first.text();
    const second = await send();
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe("payment_already_used");
  });

  it("settles exactly once when the same proof arrives 20 times at once", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const { header } = await signProofFor(payer, chatUrl());
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(chatUrl(), { method: "POST", headers: { "PAYMENT-SIGNATURE": header }, body: chatBody("What is the current price of ETH?") }),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    // The others are refused: claimed already (409), or, once the first has settled, a nonce the chain has used (402).
    const refused = responses.flatMap((r, i) => (r.status === 200 ? [] : [`${r.status} ${bodies[i]}`]));
    expect(refused).toHaveLength(19);
    for (const line of refused) expect(line).toMatch(/^(409 .*payment_already_used|402 .*nonce)/);
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before - priceAtomic(market()));
    const rows = await (await getLedger()).listPayments({ payer: payer.address });
    expect(rows).toHaveLength(1);
  });
});

describe("failures charge nothing", () => {
  /** A real facilitator refusal at settle time (the SDK's abort hook), once. */
  const failNextSettlement = () => {
    let failNext = true;
    getLocalFacilitator().onBeforeSettle(async () => {
      if (!failNext) return;
      failNext = false;
      return { abort: true, reason: "chain_unavailable" };
    });
  };

  it("ends the stream with a payment error when settlement fails, and the ledger says failed", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    failNextSettlement();
    const res = await payingFetch(payer)(chatUrl(), { method: "POST", body: chatBody("What is the current price of ETH?") });
    const chunks = await readUIChunks(res);
    expect(chunks.some((c) => c.type === "text-delta")).toBe(true); // the reply still streamed
    const receipt = chunks.find((c) => c.type === "data-receipt")?.data as { success: boolean; paymentId: string };
    expect(receipt.success).toBe(false);
    const error = chunks.find((c) => c.type === "error") as unknown as { errorText: string };
    expect(error.errorText).toContain("Payment settlement failed");
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
    expect((await (await getLedger()).getPayment(receipt.paymentId))?.status).toBe("failed");
  });

  it("says so by code: a transient data-error part {code: settlement_failed} just before the error chunk", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    failNextSettlement();
    const chunks = await readUIChunks(await payingFetch(payer)(chatUrl(), { method: "POST", body: chatBody("What is the current price of ETH?") }));
    const at = chunks.findIndex((c) => c.type === "error");
    expect(chunks[at - 1]).toEqual({ type: "data-error", transient: true, data: { code: "settlement_failed", message: chunks[at]!.errorText } });
  });
});

describe("bad requests get a clear 4xx and nothing is charged", () => {
  it("rejects bad bodies before asking for payment", async () => {
    for (const body of ["not json", "{}", JSON.stringify({ messages: [] }), JSON.stringify({ messages: [{ role: "robot", content: "x" }] })]) {
      const res = await fetch(chatUrl(), { method: "POST", body });
      expect(res.status, body).toBe(400);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.message.length).toBeGreaterThan(5);
    }
  });

  it("refuses a body over the size limit with 413", async () => {
    const res = await fetch(chatUrl(), { method: "POST", body: chatBody("x".repeat(2_100_000)) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
  });

  it("answers 404 for an unknown agent", async () => {
    const res = await fetch(chatUrl("00000000-0000-0000-0000-000000000999"), { method: "POST", body: chatBody("hi") });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unknown_agent");
  });

  it("refuses malformed payment headers with a 402 that says why", async () => {
    const cases: Record<string, string> = {
      "not base64 json": "%%%",
      "wrong version": Buffer.from(JSON.stringify({ x402Version: 1, payload: {} })).toString("base64"),
      "no authorization": Buffer.from(JSON.stringify({ x402Version: 2, payload: { signature: "0x12" } })).toString("base64"),
    };
    for (const [name, header] of Object.entries(cases)) {
      const res = await fetch(chatUrl(), { method: "POST", headers: { "PAYMENT-SIGNATURE": header }, body: chatBody("hi") });
      expect(res.status, name).toBe(402);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error, name).toMatch(/^invalid_payment_(header|payload)$/);
    }
  });

  it("refuses a v1 X-PAYMENT for the local chain, which v1 cannot name", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { payload } = await signProofFor(payer, chatUrl());
    const v1 = { x402Version: 1, scheme: "exact", network: "base-sepolia", payload: payload.payload };
    const res = await fetch(chatUrl(), {
      method: "POST",
      headers: { "X-PAYMENT": Buffer.from(JSON.stringify(v1)).toString("base64") },
      body: chatBody("hi"),
    });
    expect(res.status).toBe(402);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe("unsupported_network");
    expect(body.message).toContain("PAYMENT-SIGNATURE");
  });

  it("refuses a proof made for another agent, or for less than the price", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);

    const forWallet = await signProofFor(payer, chatUrl(WALLET_AGENT));
    const other = await fetch(chatUrl(), { method: "POST", headers: { "PAYMENT-SIGNATURE": forWallet.header }, body: chatBody("hi") });
    expect(other.status).toBe(402);
    expect(((await other.json()) as { error: string }).error).toBe("payment_mismatch");

    const cheap = await signProofFor(payer, chatUrl(), (required) => {
      required.accepts[0]!.amount = "1";
    });
    const less = await fetch(chatUrl(), { method: "POST", headers: { "PAYMENT-SIGNATURE": cheap.header }, body: chatBody("hi") });
    expect(less.status).toBe(402);
    const lessBody = (await less.json()) as { error: string; message: string };
    expect(lessBody.error).toBe("payment_mismatch");
    expect(lessBody.message).toContain("price is 10000");

    // Claiming the right price in `accepted` while signing for less is caught too.
    const lying = { ...cheap.payload, accepted: forWallet.required.accepts[0]! };
    lying.accepted = { ...cheap.required.accepts[0]!, amount: "10000" };
    const lie = await fetch(chatUrl(), { method: "POST", headers: { "PAYMENT-SIGNATURE": encodePaymentSignatureHeader(lying) }, body: chatBody("hi") });
    expect(lie.status).toBe(402);

    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
    expect(await (await getLedger()).listPayments({ payer: payer.address })).toHaveLength(0);
  });
});
