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
 * A reply is dozens of small chunks, most of them made in bursts (a model's network read holds several tokens; the
 * offline model makes a whole step at once). Each chunk was its own trip down the response stream and its own
 * res.write (four buffers with the chunked framing); Node then sent the whole burst in one writev anyway, when it
 * uncorked the socket on the next tick. So a burst is sent here as one chunk, on that same tick: when the chunks
 * made by the current run of microtasks are all in (process.nextTick runs after them). The first token waits for
 * nothing more than it did; a chunk that comes alone (a model streaming token by token) still goes out alone.
 */
export function toEventStream(chunks: ReadableStream<unknown>, last: string): ReadableStream<Uint8Array> {
  let burst = "";
  let ended = false;
  return chunks.pipeThrough(
    new TransformStream<unknown, Uint8Array>({
      transform(chunk, controller) {
        if (burst === "") {
          process.nextTick(() => {
            if (ended) return;
            const bytes = encoder.encode(burst);
            burst = "";
            try {
              controller.enqueue(bytes);
            } catch {
              // The reader went away (the client hung up): nothing left to send to.
            }
          });
        }
        burst += `data: ${JSON.stringify(chunk)}\n\n`;
      },
      flush(controller) {
        ended = true;
        controller.enqueue(encoder.encode(`${burst}data: ${last}\n\n`));
        burst = "";
      },
    }),
  );
}
