import "server-only";
import { stepCountIs, streamText, UI_MESSAGE_STREAM_HEADERS, type LanguageModel, type ModelMessage, type UIMessageChunk } from "ai";
import { toEventStream } from "@/lib/http/stream";
import { resolveModel } from "./models";
import type { AgentConfig } from "./registry";
import { buildTools } from "./tools";

export { toModelMessages } from "./request";

/** Tool round trips per reply: enough to look two things up and answer, few enough to bound a paid reply. */
const MAX_STEPS = 5;

export interface RunAgentOptions {
  agent: AgentConfig;
  messages: ModelMessage[];
  /** Toolkits the user switched on; the agent's capabilities bound them. Omitted: all of them. */
  selectedToolkits?: readonly string[];
  abortSignal?: AbortSignal;
  /** Replaces the agent's own model (tests, benchmarks). */
  model?: LanguageModel;
}

/**
 * Starts the agent's reply and returns the AI SDK `streamText` result: pipe `toUIMessageStream()` to the
 * client, or read `fullStream`; `totalUsage` resolves when the reply ends.
 *
 * Throws at once only when the agent's model cannot be built (malformed spec, missing key: check
 * `agentStatus` first). Everything later arrives in the stream, which never throws: a tool failure is a
 * `tool-error` part that the model then explains, and a model failure (provider down, HTTP 500 after the
 * SDK's retries, bad key) is an `error` part, after which the stream ends without a `finish` part. So
 * "failed before the first output" means: `fullStream` yielded an `error` part before any `text-delta`,
 * `reasoning-delta` or `tool-call` part; bill nothing then. In that case `text` and `totalUsage` reject
 * (NoOutputGeneratedError), so await them only in a try.
 */
export function runAgent({ agent, messages, selectedToolkits, abortSignal, model }: RunAgentOptions) {
  return streamText({
    model: model ?? resolveModel(agent.model),
    system: agent.systemPrompt,
    messages,
    // The caller's own system messages steer only their own paid conversation; the agent's prompt comes first.
    allowSystemInMessages: true,
    tools: buildTools(agent, selectedToolkits),
    stopWhen: stepCountIs(MAX_STEPS),
    abortSignal,
    // One line instead of the SDK's default dump, which would log the whole request (the user's messages).
    onError: ({ error }) =>
      console.error(`agent ${agent.id} (${agent.model}): ${error instanceof Error ? error.message : String(error)}`),
  });
}

/**
 * A UI message stream as the response the AI SDK's createUIMessageStreamResponse makes (same headers, same bytes),
 * with the chunks of one burst written together (toEventStream). `headers` add to or replace the SDK's.
 */
export function uiMessageStreamResponse(stream: ReadableStream<UIMessageChunk>, headers?: HeadersInit): Response {
  const all = new Headers(headers);
  for (const [name, value] of Object.entries(UI_MESSAGE_STREAM_HEADERS)) if (!all.has(name)) all.set(name, value);
  return new Response(toEventStream(stream, "[DONE]"), { headers: all });
}
