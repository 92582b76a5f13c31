import { createUIMessageStreamResponse, type UIMessageChunk } from "ai";
import { describe, expect, it } from "vitest";
import { streamChunks, toEventStream } from "@/lib/http/stream";

describe("streamChunks", () => {
  it("yields every chunk of a web stream in order", async () => {
    const stream = new ReadableStream<string>({
      start(controller) {
        for (const chunk of ["a", "b", "c"]) controller.enqueue(chunk);
        controller.close();
      },
    });
    const seen: string[] = [];
    for await (const chunk of streamChunks(stream)) seen.push(chunk);
    expect(seen).toEqual(["a", "b", "c"]);
  });

  it("cancels the stream when the loop stops early, as the built-in iterator does", async () => {
    let cancelled = false;
    const stream = new ReadableStream<number>({
      pull(controller) {
        controller.enqueue(1);
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const chunk of streamChunks(stream)) if (chunk === 1) break;
    expect(cancelled).toBe(true);
    expect(stream.locked).toBe(false);
  });

  it("passes a stream's error on to the loop", async () => {
    const stream = new ReadableStream<number>({
      pull(controller) {
        controller.error(new Error("body too large"));
      },
    });
    const loop = async () => {
      for await (const chunk of streamChunks(stream)) void chunk;
    };
    await expect(loop()).rejects.toThrow("body too large");
  });
});

describe("toEventStream", () => {
  const decoder = new TextDecoder();
  /** Every chunk the stream yields, decoded: one entry per write the server would make. */
  async function writes(stream: ReadableStream<Uint8Array>): Promise<string[]> {
    const seen: string[] = [];
    for await (const chunk of streamChunks(stream)) seen.push(decoder.decode(chunk));
    return seen;
  }
  const burst = (chunks: unknown[]) =>
    new ReadableStream<unknown>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
  const uiChunks: UIMessageChunk[] = [
    { type: "start" },
    { type: "text-start", id: "t" },
    { type: "text-delta", id: "t", delta: 'say "hi" ✓\n' },
    { type: "text-end", id: "t" },
    { type: "finish", finishReason: "stop" },
  ];

  it("writes the AI SDK's UI message stream bytes", async () => {
    const sdk = createUIMessageStreamResponse({ stream: burst(uiChunks) as ReadableStream<UIMessageChunk> });
    const ours = (await writes(toEventStream(burst(uiChunks), "[DONE]"))).join("");
    expect(ours).toBe(await sdk.text());
  });

  it("sends the chunks made in one burst as one write", async () => {
    expect(await writes(toEventStream(burst(uiChunks), "[DONE]"))).toEqual([
      uiChunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join("") + "data: [DONE]\n\n",
    ]);
  });

  it("sends each burst when it is made, without waiting for the next one or the end", async () => {
    let source!: ReadableStreamDefaultController<unknown>;
    const reader = toEventStream(new ReadableStream({ start: (c) => void (source = c) }), "[DONE]").getReader();
    source.enqueue({ n: 1 });
    expect(decoder.decode((await reader.read()).value)).toBe('data: {"n":1}\n\n');
    await new Promise((resolve) => setImmediate(resolve)); // a later turn: the next token of a streaming model
    source.enqueue({ n: 2 });
    source.enqueue({ n: 3 });
    expect(decoder.decode((await reader.read()).value)).toBe('data: {"n":2}\n\ndata: {"n":3}\n\n');
    source.close();
    expect(decoder.decode((await reader.read()).value)).toBe("data: [DONE]\n\n");
    expect((await reader.read()).done).toBe(true);
  });

  it("drops what a burst holds when the reader goes away, and passes a source's error on", async () => {
    let source!: ReadableStreamDefaultController<unknown>;
    const reader = toEventStream(new ReadableStream({ start: (c) => void (source = c) }), "[DONE]").getReader();
    source.enqueue({ n: 1 });
    await reader.cancel(); // before the burst's tick: sending it then must not throw
    await new Promise((resolve) => setImmediate(resolve));

    const failing = new ReadableStream({ pull: (c) => c.error(new Error("model down")) });
    await expect(writes(toEventStream(failing, "[DONE]"))).rejects.toThrow("model down");
  });
});
