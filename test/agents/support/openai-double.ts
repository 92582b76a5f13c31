import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { listen, readBody } from "./http";

/**
 * A test double of an OpenAI-compatible server (Ollama, vLLM…): POST /v1/chat/completions with
 * `stream: true`, answered in server-sent events. Without a tool result in the conversation it asks for
 * `toolCall`; once the last message is a tool result it streams `reply(toolResult)` as text.
 * Mode "fail" answers 500 like an overloaded provider.
 */
export interface OpenAIDoubleOptions {
  toolCall: { name: string; arguments: Record<string, unknown> };
  reply: (toolResult: string) => string;
}

interface ChatMessage {
  role: string;
  content?: string | null;
}
interface RecordedRequest {
  headers: IncomingHttpHeaders;
  body: { model: string; stream?: boolean; messages: ChatMessage[]; tools?: { function: { name: string } }[] };
}

export async function startOpenAIDouble({ toolCall, reply }: OpenAIDoubleOptions) {
  const requests: RecordedRequest[] = [];
  let mode: "ok" | "fail" = "ok";

  const http = await listen(async (req, res) => {
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(await readBody(req)) as RecordedRequest["body"];
    requests.push({ headers: req.headers, body });
    if (mode === "fail") {
      // retry-after-ms is what OpenAI sends; 0 keeps the AI SDK's retries from waiting seconds.
      res.writeHead(500, { "content-type": "application/json", "retry-after-ms": "0" });
      res.end(JSON.stringify({ error: { message: "The model is overloaded", type: "server_error" } }));
      return;
    }
    const last = body.messages.at(-1);
    const chunk = sse(res, body.model);
    if (last?.role === "tool") {
      const words = reply(String(last.content)).match(/\S+\s*/g) ?? [];
      chunk({ role: "assistant", content: "" });
      for (const word of words) chunk({ content: word });
      chunk({}, "stop");
    } else {
      const args = JSON.stringify(toolCall.arguments);
      const half = Math.floor(args.length / 2);
      chunk({ role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: toolCall.name, arguments: "" } }] });
      chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, half) } }] });
      chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] });
      chunk({}, "tool_calls");
    }
    res.write(`data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: body.model, choices: [], usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 } })}\n\n`);
    res.end("data: [DONE]\n\n");
  });

  return {
    baseURL: `${http.url}/v1`,
    requests,
    setMode(next: "ok" | "fail") {
      mode = next;
    },
    close: http.close,
  };
}

/** Starts an SSE response and returns a writer of chat.completion.chunk events. */
function sse(res: ServerResponse, model: string) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  return (delta: Record<string, unknown>, finishReason: string | null = null) => {
    const event = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finishReason }] };
    res.write(`data: ${JSON.stringify(event)}\n\n`);
  };
}
