import { encodePaymentResponseHeader } from "@x402/core/http";
import { readUIMessageStream, type UIMessageChunk } from "ai";
import { describe, expect, it } from "vitest";
import { NETWORKS } from "@/lib/chains/networks";
import { asUIMessageStream } from "@/lib/remote-agents/reply-adapter";
import type { ChatMessage } from "@/lib/x402/shared/chat-message";
import { readUIChunks } from "../support/ui-stream";

const paid = { amount: 20_000n, payTo: "0x000000000000000000000000000000000000bEEF", asset: NETWORKS.local.usdc.address };
const TX = `0x${"ab".repeat(32)}`;

/** A reply of another agent, in its own shape: JSON with the receipt in PAYMENT-RESPONSE. */
function jsonReply(body: unknown) {
  const receipt = encodePaymentResponseHeader({ success: true, transaction: TX, network: NETWORKS.local.caip2, payer: "0x1111111111111111111111111111111111111111" });
  return new Response(JSON.stringify(body), { headers: { "content-type": "application/json", "PAYMENT-RESPONSE": receipt } });
}

/** The message the AI SDK's own reader makes of a UI message stream response. */
async function readMessage(res: Response): Promise<ChatMessage | undefined> {
  const chunks = (await readUIChunks(res)) as UIMessageChunk[];
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last: ChatMessage | undefined;
  for await (const message of readUIMessageStream<ChatMessage>({ stream })) last = message;
  return last;
}

describe("another agent's reply as a UI message stream", () => {
  it("is an AI SDK UI message stream response: its headers, its text, then the receipt", async () => {
    const res = await asUIMessageStream(jsonReply({ messages: [{ role: "assistant", content: "ETH is $3,000." }] }), paid);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
    // The SDK's own response helper says not to cache or buffer a stream.
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const message = await readMessage(res.clone());
    expect(message?.parts.find((p) => p.type === "text")).toMatchObject({ text: "ETH is $3,000." });
    expect(message?.parts.find((p) => p.type === "data-receipt")).toMatchObject({
      data: { success: true, transaction: TX, network: NETWORKS.local.caip2, amount: "20000", amountDisplay: "0.02 USDC" },
    });
    expect((await res.text()).endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("passes a stream or a failure through as it is", async () => {
    const sse = new Response("data: {}\n\n", { headers: { "content-type": "text/event-stream" } });
    expect(await asUIMessageStream(sse, paid)).toBe(sse);
    const failed = new Response("no", { status: 500 });
    expect(await asUIMessageStream(failed, paid)).toBe(failed);
  });

  it("without a payment, has no receipt", async () => {
    const res = await asUIMessageStream(new Response("plain words", { headers: { "content-type": "text/plain" } }), null);
    const message = await readMessage(res);
    expect(message?.parts.map((p) => p.type)).toEqual(["text"]);
  });
});

describe("a reply paid by transfer (Atelier's shape)", () => {
  it("reads data.reply, and shows the browser's own receipt, not one from the agent", async () => {
    const own = {
      paymentId: TX,
      success: true,
      transaction: TX,
      network: NETWORKS.local.caip2,
      chainId: NETWORKS.local.chainId,
      payer: "0x2222222222222222222222222222222222222222",
      payTo: paid.payTo,
      asset: paid.asset,
      amount: "20000",
      amountDisplay: "0.02 USDC",
      explorerUrl: null,
    };
    const body = { success: true, data: { order_id: "o-1", status: "completed", reply: "Here is your logo.", payment: { transaction: TX } } };
    const res = await asUIMessageStream(new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } }), paid, own);
    const message = await readMessage(res);
    expect(message?.parts.find((p) => p.type === "text")).toMatchObject({ text: "Here is your logo." });
    expect(message?.parts.find((p) => p.type === "data-receipt")).toMatchObject({ data: own });
  });
});
