import "server-only";
import { jsonError } from "@/lib/http/json";
import type { Receipt } from "@/lib/x402/shared/receipt";
import { corsHeaders, paidRouteError } from "./cors";
import type { PaidRequest } from "./gate";
import { PaidReply, describeAgentError } from "./paid-reply";

interface ToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  output?: unknown;
  error?: string;
}

/**
 * The paid reply as one JSON body, for `Accept: application/json`. It is delivered whole, so it is paid for only
 * once it is ready: a payer who hung up before then, or an agent that failed or said nothing, pays nothing.
 */
export async function replyAsJson(paid: PaidRequest, signal: AbortSignal): Promise<Response> {
  const reply = new PaidReply(paid, signal);
  let text = "";
  let reasoning = "";
  const toolCalls: ToolCall[] = [];
  let failure: string | null = null;

  for await (const part of reply.run.fullStream) {
    if (part.type === "error") {
      failure = describeAgentError(part.error);
      break;
    }
    if (part.type === "text-delta" || part.type === "reasoning-delta" || part.type === "tool-call") reply.produced();
    if (part.type === "text-delta") text += part.text;
    else if (part.type === "reasoning-delta") reasoning += part.text;
    else if (part.type === "tool-call") toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
    else if (part.type === "tool-result") {
      const call = toolCalls.find((c) => c.toolCallId === part.toolCallId);
      if (call) call.output = part.output;
      if (!part.preliminary) reply.toolOutcome(true);
    } else if (part.type === "tool-error") {
      const call = toolCalls.find((c) => c.toolCallId === part.toolCallId);
      if (call) call.error = describeAgentError(part.error);
      reply.toolOutcome(false);
    }
  }
  if (signal.aborted || failure !== null || (text === "" && toolCalls.length === 0)) {
    const undelivered = await reply.undelivered(failure);
    // On a tab the 0 charge's PAYMENT-RESPONSE goes along, so the client's tab state stays in step.
    return jsonError(undelivered.code === "client_disconnected" ? 499 : 502, undelivered.code, undelivered.message, undefined, {
      ...corsHeaders,
      ...reply.paymentResponseHeaders(failedReceipt),
    });
  }

  // Delivered whole: a reply with tool calls is paid for unless every one of them failed (PaidReply decides).
  reply.delivering(toolCalls.length > 0 ? "tool" : "text");
  const { usage, receipt } = await reply.finish(toolCalls.length);
  const settlementFailure = PaidReply.settlementFailure(receipt);
  if (settlementFailure) return paidRouteError(402, settlementFailure.code, settlementFailure.message, { payment: receipt });
  const body = {
    messages: [{ role: "assistant", content: text }],
    reasoning,
    toolCalls,
    usage,
    payment: receipt,
  };
  return Response.json(body, { headers: { ...corsHeaders, ...reply.paymentResponseHeaders(receipt), "Cache-Control": "no-store" } });
}

/** A receipt for headers of a reply that delivered nothing: exact sends none then, a tab its 0 charge's. */
const failedReceipt = { success: false } as Receipt;
