/** The bench's unpaid route: served only with BENCH_FREE_ROUTE=1, a plain 404 otherwise (a deployment has no free agent). */
import { afterEach, describe, expect, it } from "vitest";
import { POST } from "@/app/api/bench/[agentId]/chat/route";
import { streamChunks } from "@/lib/http/stream";
import { setEnv } from "../support/fixtures";

const MARKET = "00000000-0000-0000-0000-000000000001";
const call = (agentId: string, body = JSON.stringify({ messages: [{ role: "user", content: "What is the current price of ETH?" }] })) =>
  POST(new Request(`http://127.0.0.1/api/bench/${agentId}/chat`, { method: "POST", headers: { "content-type": "application/json" }, body }), {
    params: Promise.resolve({ agentId }),
  });

describe("POST /api/bench/:agentId/chat", () => {
  let restore = () => {};
  afterEach(() => restore());

  it("is a 404 without the flag, and runs nothing", async () => {
    restore = setEnv({ BENCH_FREE_ROUTE: "" });
    const res = await call(MARKET);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("");
  });

  it("with BENCH_FREE_ROUTE=1 streams the agent's reply unpaid; an unknown agent or a bad body is refused with a code", async () => {
    restore = setEnv({ BENCH_FREE_ROUTE: "1", OFFLINE_MODEL_DELAY_MS: "0" });
    const res = await call(MARKET);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/"type":"text-delta"/);
    expect((await (await call("00000000-0000-0000-0000-00000000ffff")).json()).error.code).toBe("unknown_agent");
    const bad = await call(MARKET, "{}");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("invalid_request");
  });

  it("writes the reply in a few bursts, not one write per chunk", async () => {
    restore = setEnv({ BENCH_FREE_ROUTE: "1", OFFLINE_MODEL_DELAY_MS: "0" });
    const res = await call(MARKET);
    let writes = 0;
    let body = "";
    for await (const chunk of streamChunks(res.body!)) {
      writes += 1;
      body += new TextDecoder().decode(chunk);
    }
    const events = body.split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    expect(events.length).toBeGreaterThan(20);
    // The offline model makes each step in one burst, sent as one write (the SDK's response: one per chunk).
    expect(writes).toBeLessThanOrEqual(8);
  });
});
