import "server-only";
import { createUIMessageStream, type UIMessageStreamWriter } from "ai";
import { uiMessageStreamResponse } from "@/lib/agents/engine";
import type { ChatChunk, ChatMessage } from "@/lib/x402/shared/chat-message";
import { corsHeaders } from "./cors";
import type { PaidRequest } from "./gate";
import { PaidReply, describeAgentError, type ReplyError } from "./paid-reply";
import { keepingReply } from "./reply-store";

/** Chunks that only frame a reply, without content: seeing them does not mean the agent has answered anything yet. */
const FRAMING = new Set<ChatChunk["type"]>(["start", "start-step", "finish-step", "message-metadata", "text-start", "reasoning-start"]);

/** Chunks of a tool call: a reply that calls a tool before any text is worth its results (PaidReply). */
const TOOL_CALL = new Set<ChatChunk["type"]>(["tool-input-start", "tool-input-delta", "tool-input-available", "tool-input-error"]);

/**
 * The paid reply as an AI SDK UI message stream, written as the agent produces it. Its usage and receipt end it
 * as `data-usage` and `data-receipt` parts, before the finish, so the client sees them as part of this message.
 *
 * On a tab the charge is known only at the end, after the headers went out, so a stream carries no
 * PAYMENT-RESPONSE: the receipt part has the charge (tab.chargedAmount, tab.chargedCumulativeAmount). A client that
 * reads only headers (the official @x402/fetch client) still builds its next voucher on the old charged total;
 * the tab scheme refuses that with a corrective 402 whose batch-settlement offer carries the channel's state and
 * the payer's own last voucher (its ceiling and signature). The client checks that signature against its key and
 * the channel on chain, takes the server's charged total, re-signs and retries once: one extra round trip on the
 * message after a stream, no transaction, and the payer never signs more than the charged total plus one price.
 */
export function replyAsStream(paid: PaidRequest, signal: AbortSignal): Response {
  const stream = createUIMessageStream<ChatMessage>({
    execute: async ({ writer: out }) => {
      const writer = keepingReply(out, paid); // the payer can fetch the reply again (a reload mid-reply)
      const reply = new PaidReply(paid, signal);
      let toolCalls = 0;
      let finish: ChatChunk | undefined;

      for await (const chunk of reply.run.toUIMessageStream<ChatMessage>({ sendReasoning: true, onError: describeAgentError })) {
        if (!FRAMING.has(chunk.type)) {
          // Nothing has reached the payer yet: an abort (the payer hung up) or an error ends the reply unpaid.
          if (!reply.delivered && (chunk.type === "abort" || chunk.type === "error")) {
            const failure = await reply.undelivered(chunk.type === "error" ? chunk.errorText : null, chunk.type === "abort");
            if (failure.code !== "client_disconnected") writeError(writer, failure);
            return;
          }
          reply.delivering(chunk.type === "text-delta" ? "text" : TOOL_CALL.has(chunk.type) ? "tool" : "other");
        }
        if (chunk.type === "tool-input-available") toolCalls += 1;
        else if (chunk.type === "tool-output-available" && !chunk.preliminary) reply.toolOutcome(true);
        else if (chunk.type === "tool-output-error" || chunk.type === "tool-output-denied") reply.toolOutcome(false);
        if (chunk.type === "finish") finish = chunk;
        else writer.write(chunk);
      }
      if (!reply.delivered) {
        const failure = await reply.undelivered(null);
        if (failure.code !== "client_disconnected") writeError(writer, failure);
        return;
      }

      await reply.finish(toolCalls, {
        usage: (data) => writer.write({ type: "data-usage", data }),
        receipt: (data) => {
          writer.write({ type: "data-receipt", data });
          const failure = PaidReply.settlementFailure(data);
          if (failure) writeError(writer, failure);
        },
      });
      if (finish) writer.write(finish);
    },
    onError: describeAgentError,
  });
  return uiMessageStreamResponse(stream, { ...corsHeaders, "Cache-Control": "no-store" });
}

/**
 * The failure by code (`data-error`, transient: the chat shows it, the message does not keep it), then the AI
 * SDK's own `error` chunk with the same words, which ends the reply for any client.
 */
function writeError(writer: UIMessageStreamWriter<ChatMessage>, failure: ReplyError): void {
  writer.write({ type: "data-error", data: { code: failure.code, message: failure.message }, transient: true });
  writer.write({ type: "error", errorText: failure.message });
}
