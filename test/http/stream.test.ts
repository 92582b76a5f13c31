import { describe, expect, it } from "vitest";
import { streamChunks } from "@/lib/http/stream";

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
