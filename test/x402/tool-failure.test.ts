/**
 * A paid reply whose every tool call failed is not charged (exact: voided, no transaction), through the real paid
 * route with the offline model, a real anvil and our facilitator. DeFiLlama is made unreachable the way
 * test/agents does it: its URL points at a port where nothing listens. With a DeFiLlama double that answers, the
 * same question is charged, so the difference is the tools' outcome and nothing else.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getLedger } from "@/lib/ledger";
import type { Receipt } from "@/lib/x402/shared/receipt";
import { EVERY_TOOL_FAILED } from "@/lib/x402/server/paid-reply";
import { startDefiLlamaDouble } from "../agents/support/defillama-double";
import { deadUrl } from "../agents/support/http";
import { setEnv } from "../support/fixtures";
import { readUIChunks } from "../support/ui-stream";
import { chatBody, fundedPayer, payingFetch, paidStackFixture, usdcBalance } from "./support";

const stack = paidStackFixture();
/** The x402 Guide: DeFiLlama is its only toolkit. */
const GUIDE_AGENT = "00000000-0000-0000-0000-000000000003";
const QUESTION = "What is the TVL of Lido?";
const chatUrl = () => `${stack.url}/api/x402/${GUIDE_AGENT}/chat`;

let double: Awaited<ReturnType<typeof startDefiLlamaDouble>>;
let restoreEnv: (() => void) | undefined;
beforeAll(async () => {
  double = await startDefiLlamaDouble();
});
afterAll(async () => {
  await double?.close();
});
afterEach(() => {
  restoreEnv?.();
  restoreEnv = undefined;
});

const defillamaAt = (url: string) => {
  restoreEnv = setEnv({ DEFILLAMA_BASE_URL: url, DEFILLAMA_COINS_URL: url });
};

async function paymentRow(payer: string) {
  const rows = await (await getLedger()).listPayments({ payer });
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe("exact: a reply whose every tool call failed", () => {
  it("streams the reply, is voided, sends no transaction and says so on its receipt", async () => {
    defillamaAt(await deadUrl());
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);

    const res = await payingFetch(payer)(chatUrl(), { method: "POST", body: chatBody(QUESTION) });
    expect(res.status).toBe(200);
    const chunks = await readUIChunks(res);
    // The reply was delivered: the failed tool call and the words on it.
    expect(chunks.some((c) => c.type === "tool-output-error")).toBe(true);
    const text = chunks.filter((c) => c.type === "text-delta").map((c) => c.delta).join("");
    expect(text).toContain("The DeFiLlama API is unreachable");
    // Not as an error: the reply ends normally, with a receipt that says it was not charged.
    expect(chunks.some((c) => c.type === "error" || c.type === "data-error")).toBe(false);
    const receipt = chunks.find((c) => c.type === "data-receipt")?.data as Receipt;
    expect(receipt).toMatchObject({ success: false, voided: true, transaction: "", error: EVERY_TOOL_FAILED });
    expect(chunks.at(-1)?.type).toBe("finish");

    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
    expect(await paymentRow(payer.address)).toMatchObject({ status: "voided", error: EVERY_TOOL_FAILED, txHash: null });
  });

  it("in JSON mode too: 200 with the reply, a voided receipt and no PAYMENT-RESPONSE", async () => {
    defillamaAt(await deadUrl());
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);

    const res = await payingFetch(payer)(chatUrl(), { method: "POST", headers: { accept: "application/json" }, body: chatBody(QUESTION) });
    expect(res.status).toBe(200);
    expect(res.headers.get("PAYMENT-RESPONSE")).toBeNull();
    const body = (await res.json()) as { toolCalls: Array<{ error?: string }>; payment: Receipt };
    expect(body.toolCalls).toHaveLength(1);
    expect(body.toolCalls[0]!.error).toContain("The DeFiLlama API is unreachable");
    expect(body.payment).toMatchObject({ success: false, voided: true, transaction: "" });

    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
    expect((await paymentRow(payer.address)).status).toBe("voided");
  });
});

describe("exact: the same question with DeFiLlama answering", () => {
  it("is charged: the tool call succeeded, so settlement went ahead", async () => {
    defillamaAt(double.url);
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);

    const res = await payingFetch(payer)(chatUrl(), { method: "POST", body: chatBody(QUESTION) });
    const chunks = await readUIChunks(res);
    expect(chunks.some((c) => c.type === "tool-output-available")).toBe(true);
    const receipt = chunks.find((c) => c.type === "data-receipt")?.data as Receipt;
    expect(receipt).toMatchObject({ success: true, amount: "1000" });
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/);

    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before - 1000n);
    expect((await paymentRow(payer.address)).status).toBe("settled");
  });
});
