/**
 * The unpaid reply the benchmarks compare payments against: the same agent and the same stream as the paid route,
 * with no payment around it. Served in the production app only when it starts with BENCH_FREE_ROUTE=1 (the bench
 * does): without it the route answers 404 like a path that does not exist, so a deployment has no free agent.
 */
import { runAgent, uiMessageStreamResponse } from "../../agents/engine";
import { getAgent, type AgentConfig } from "../../agents/registry";
import { ChatRequestSchema, toModelMessages } from "../../agents/request";
import { env } from "../../env";
import { formatZodError, jsonError } from "../../http/json";
import { readJsonBody } from "../../http/body";

/** The paid route's bound. */
const MAX_BODY_BYTES = 2_000_000;

export async function freeReply(req: Request, agent: AgentConfig): Promise<Response> {
  const body = ChatRequestSchema.parse(await req.json());
  return uiMessageStreamResponse(runAgent({ agent, messages: await toModelMessages(body.messages) }).toUIMessageStream());
}

/** POST /api/bench/:agentId/chat. */
export async function handleBenchFreeChat(req: Request, agentId: string): Promise<Response> {
  if (!env.BENCH_FREE_ROUTE) return new Response(null, { status: 404 });
  const agent = getAgent(agentId);
  if (!agent) return jsonError(404, "unknown_agent", `No agent with id ${agentId}`);
  const json = await readJsonBody(req, MAX_BODY_BYTES);
  if (!json.ok) return jsonError(json.status, json.status === 413 ? "body_too_large" : "invalid_json", json.message);
  const parsed = ChatRequestSchema.safeParse(json.value);
  if (!parsed.success) return jsonError(400, "invalid_request", formatZodError(parsed.error));
  return uiMessageStreamResponse(runAgent({ agent, messages: await toModelMessages(parsed.data.messages) }).toUIMessageStream());
}
