/**
 * Agents that are not this app's answer in their own shape (JSON or text, the
 * receipt in a PAYMENT-RESPONSE header). The chat reads AI SDK UI message
 * streams, so such a reply is turned into one: its text, then the receipt.
 */
import { decodePaymentResponseHeader } from "@x402/core/http";
import { createUIMessageStream, createUIMessageStreamResponse } from "ai";
import { USDC_DECIMALS, explorerTxUrl, networkByX402Id } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import type { ChatMessage } from "@/lib/x402/shared/chat-message";
import type { Receipt } from "@/lib/x402/shared/receipt";

export interface PaidQuote {
  amount: bigint;
  payTo: string;
  asset: string;
}

/** `receipt`: the browser's own, for a payment it made itself (a transfer); else one is read from PAYMENT-RESPONSE. */
export async function asUIMessageStream(res: Response, paid: PaidQuote | null, receipt: Receipt | null = receiptOf(res, paid)): Promise<Response> {
  const type = res.headers.get("content-type") ?? "";
  if (!res.ok || type.includes("text/event-stream")) return res;
  const text = replyText(await res.text(), type);
  const id = "reply";
  const stream = createUIMessageStream<ChatMessage>({
    execute: ({ writer }) => {
      writer.write({ type: "start" });
      writer.write({ type: "text-start", id });
      writer.write({ type: "text-delta", id, delta: text });
      writer.write({ type: "text-end", id });
      if (receipt) writer.write({ type: "data-receipt", data: receipt });
      writer.write({ type: "finish" });
    },
  });
  return createUIMessageStreamResponse({ stream });
}

/** The words of a JSON reply in the usual places, else the body as it is. */
export function replyText(body: string, contentType: string): string {
  if (!contentType.includes("json")) return body.trim() || "(the agent sent an empty reply)";
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    const messages = json.messages as Array<{ content?: unknown }> | undefined;
    // Atelier answers {success, data: {reply}}.
    const data = json.data as { reply?: unknown } | undefined;
    const candidates = [messages?.at(-1)?.content, json.reply, data?.reply, json.text, json.content, json.answer, json.message, json.output];
    const found = candidates.find((c): c is string => typeof c === "string" && c.length > 0);
    return found ?? JSON.stringify(json, null, 2);
  } catch {
    return body;
  }
}

function receiptOf(res: Response, paid: PaidQuote | null): Receipt | null {
  const header = res.headers.get("PAYMENT-RESPONSE") ?? res.headers.get("X-PAYMENT-RESPONSE");
  if (!header || !paid) return null;
  try {
    const settled = decodePaymentResponseHeader(header);
    const network = networkByX402Id(settled.network);
    return {
      paymentId: settled.transaction,
      success: settled.success,
      transaction: settled.transaction,
      network: network?.caip2 ?? settled.network,
      chainId: network?.chainId ?? 0,
      payer: settled.payer ?? "",
      payTo: paid.payTo,
      asset: paid.asset,
      amount: paid.amount.toString(),
      // The paying fetch pays only its network's USDC, so an unnamed network still means USDC.
      amountDisplay: formatUsdc(paid.amount, network?.usdc.decimals ?? USDC_DECIMALS),
      explorerUrl: network ? explorerTxUrl(network, settled.transaction) : null,
      ...(settled.success ? {} : { error: settled.errorReason ?? "settlement failed" }),
    };
  } catch {
    return null;
  }
}
