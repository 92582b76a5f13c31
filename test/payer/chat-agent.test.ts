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

describe("a pasted agent paid by transfer (Atelier's 402)", () => {
  it("is payable on its network, says before sending that it pays on chain with gas in ETH, and is marked transfer", async () => {
    const { parseQuote } = await import("@/lib/remote-agents/parse-quote");
    const usdc = NETWORKS.local.usdc.address;
    const payTo = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";
    const body = { payment_requirements: { version: "1", scheme: "exact", network: "eip155:31337", asset: { currency: "USDC", address: usdc }, payTo, maxAmountRequired: "10000", description: "d", resource: "https://a.example/pay" } };
    const quote = parseQuote({ status: 402, headers: {}, bodyText: JSON.stringify(body) });
    const agent = urlAgent("https://a.example/pay", quote, NETWORKS.local, "http://127.0.0.1:3000");
    expect(agent).toMatchObject({ transfer: true, blocked: null, priceDisplay: "0.01 USDC + gas in ETH (pays on chain by transfer)", shown: { network: "eip155:31337", asset: usdc, payTo, amount: 10_000n } });
    // An x402 agent is not.
    expect(urlAgent("https://b.example/chat", { ...quote, payBy: undefined }, NETWORKS.local).transfer).toBeUndefined();
  });
});
