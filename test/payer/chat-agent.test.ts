import { describe, expect, it } from "vitest";
import { urlAgent } from "@/lib/x402/payer/chat-agent";
import { NETWORKS } from "@/lib/chains/networks";
import { noQuote } from "@/lib/remote-agents/parse-quote";

/** Where the chat posts for a pasted agent URL: the proxy never calls this app, so the app's own URLs go direct. */
describe("a pasted agent's endpoint", () => {
  const quote = noQuote("not probed here", "");
  const APP = "http://127.0.0.1:3000";

  it("is the URL itself, same origin, when it is on this app's origin: no proxy, no proxy header", () => {
    const agent = urlAgent(`${APP}/api/x402/00000000-0000-0000-0000-000000000001/chat?x=1`, quote, NETWORKS.local, APP);
    expect(agent.endpoint).toBe("/api/x402/00000000-0000-0000-0000-000000000001/chat?x=1");
    expect(agent.headers).toBeUndefined();
  });

  it("is the proxy, with the chat's header, for any other origin (another port or host included)", () => {
    for (const url of ["http://127.0.0.1:3001/chat", "http://localhost:3000/chat", "https://agent.example/chat", "not a url"]) {
      const agent = urlAgent(url, quote, NETWORKS.local, APP);
      expect([url, agent.endpoint, agent.headers]).toEqual([url, `/api/proxy?url=${encodeURIComponent(url)}`, { "X-Requested-By": "x402-chat" }]);
    }
  });
});
