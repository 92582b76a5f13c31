/**
 * The chunks of a web stream, for `for await`: the DOM typings give ReadableStream no async iterator. Like
 * the built-in one, leaving the loop early cancels the stream.
 */
export async function* streamChunks<T>(stream: ReadableStream<T>): AsyncGenerator<T, void, undefined> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

const encoder = new TextEncoder();

/**
 * Server-sent events, one `data:` line of JSON per chunk, then `data: <last>` when the chunks end: the AI SDK's
 * UI message stream bytes (JsonToSseTransformStream + TextEncoderStream, in one stage).
 *
 * Each chunk would otherwise be its own write to the socket, and a reply is dozens of small chunks, most of them
 * produced in one burst. So the first chunk of a burst goes out at once (the first token never waits), and the
 * chunks that follow in the same turn of the event loop go out together, as one write, when the turn ends
 * (setImmediate) or with the last one. A chunk that comes alone in its turn (a model streaming token by token)
 * goes out at once, as before.
 */
export function toEventStream(chunks: ReadableStream<unknown>, last: string): ReadableStream<Uint8Array> {
  let held: string[] = [];
  let turnOpen = false;
  let ended = false;
  return chunks.pipeThrough(
    new TransformStream<unknown, Uint8Array>({
      transform(chunk, controller) {
        const event = `data: ${JSON.stringify(chunk)}\n\n`;
        if (turnOpen) {
          held.push(event);
          return;
        }
        controller.enqueue(encoder.encode(event));
        turnOpen = true;
        setImmediate(() => {
          turnOpen = false;
          if (ended || held.length === 0) return;
          const burst = held.join("");
          held = [];
          try {
            controller.enqueue(encoder.encode(burst));
          } catch {
            // The reader went away (the client hung up): nothing left to send to.
          }
        });
      },
      flush(controller) {
        ended = true;
        held.push(`data: ${last}\n\n`);
        controller.enqueue(encoder.encode(held.join("")));
        held = [];
      },
    }),
  );
}
