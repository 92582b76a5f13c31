import { describe, expect, it } from "vitest";
import { serveRoutes } from "../../lib/devtools/route-server";

/**
 * Blocks the process as a long synchronous task does (opening PGlite the first time blocks for seconds on a slow
 * machine), from an I/O-phase callback like the route code that resumes after it.
 */
function stallEventLoop(ms: number): Promise<void> {
  return new Promise((resolve) =>
    setImmediate(() => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      resolve();
    }),
  );
}

describe("serveRoutes", () => {
  it("answers a client that reuses its kept-alive connection right after the process stalled", async () => {
    const server = await serveRoutes([{ method: "POST", path: "/echo", handle: async (req) => new Response(await req.text()) }]);
    try {
      const echo = async (body: string) => (await fetch(`${server.url}/echo`, { method: "POST", body })).text();
      expect(await echo("first")).toBe("first");
      // Longer than Node's keep-alive timeout (5 s, ~6 s in effect). Server and client share this process, so
      // both idle timers come due at once, and the client sends its next request on the kept connection before
      // either runs: a server that closes idle connections itself resets that request (ECONNRESET).
      await stallEventLoop(7_000);
      expect(await echo("second")).toBe("second");
    } finally {
      await server.close();
    }
  });
});
