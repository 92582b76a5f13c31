import "server-only";
import { passGate, passRefundGate } from "./gate";
import { replyAsJson } from "./reply-json";
import { replyAsStream } from "./reply-stream";

/**
 * POST /api/x402/:agentId/chat. The gate (gate.ts) answers every request that is not a verified, claimed payment;
 * a claimed one gets its reply at once, as a UI message stream or, with `Accept: application/json`, as one JSON
 * body. Either way the reply is charged by one rule (paid-reply.ts): only what was delivered is paid for.
 */
export async function handlePaidAgentChat(req: Request, agentId: string): Promise<Response> {
  const paid = await passGate(req, agentId);
  if (paid instanceof Response) return paid;
  const wantsJson = (req.headers.get("accept") ?? "").includes("application/json");
  return wantsJson ? replyAsJson(paid, req.signal) : replyAsStream(paid, req.signal);
}

/** GET /api/x402/:agentId/chat: the quote without a proof, and a tab's cooperative refund (no agent runs). */
export function handlePaidAgentGet(req: Request, agentId: string): Promise<Response> {
  return passRefundGate(req, agentId);
}
