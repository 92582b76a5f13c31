/**
 * Rewriting an AI SDK UI message stream (server-sent events) on its way to the chat: each event is handed over
 * parsed, and the handler passes it on, replaces it or ends the stream. Anything that is not such a stream (an error
 * answer, JSON) is returned as it came.
 */
import type { ChatChunk } from "@/lib/x402/shared/chat-message";

const encoder = new TextEncoder();

/** One event: its text as it came, its `data:` lines joined, and that data as a JSON object when it is one. */
export interface UiStreamEvent {
  text: string;
  data: string;
  chunk: { type?: unknown; data?: unknown } | null;
}

type Controller = TransformStreamDefaultController<Uint8Array>;

/** A chunk written as an event of the stream. */
export const sseData = (chunk: ChatChunk) => encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);

/** The event passed on unchanged. */
export const forward = (event: UiStreamEvent, controller: Controller) => controller.enqueue(encoder.encode(`${event.text}\n\n`));

function parseEvent(text: string): UiStreamEvent {
  const data = text
    .split(/\r?\n/)
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).replace(/^ /, ""))
    .join("\n");
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(data);
  } catch {
    // not JSON ([DONE])
  }
  return { text, data, chunk: typeof parsed === "object" && parsed !== null ? (parsed as UiStreamEvent["chunk"]) : null };
}

export function rewriteUiStream(
  res: Response,
  onEvent: (event: UiStreamEvent, controller: Controller) => Promise<void> | void,
  onEnd?: (controller: Controller) => Promise<void>,
): Response {
  if (!res.ok || !res.body || !(res.headers.get("content-type") ?? "").includes("text/event-stream")) return res;
  const decoder = new TextDecoder();
  let buffer = "";
  const body = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(bytes, controller) {
        buffer += decoder.decode(bytes, { stream: true });
        const events = buffer.split(/\r?\n\r?\n/);
        buffer = events.pop() ?? "";
        for (const event of events) if (event.trim()) await onEvent(parseEvent(event), controller);
      },
      async flush(controller) {
        buffer += decoder.decode();
        if (buffer.trim()) await onEvent(parseEvent(buffer), controller);
        await onEnd?.(controller);
      },
    }),
  );
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}
