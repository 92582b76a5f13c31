import { encodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequired } from "@x402/core/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as probe } from "@/app/api/probe/route";
import { NETWORKS } from "@/lib/chains/networks";
import { parseQuote, type NormalizedQuote } from "@/lib/remote-agents/parse-quote";
import { listen } from "../agents/support/http";
import { serveRoutes } from "../../lib/devtools/route-server";
import { SEED, forCases, prng } from "./support/random";

/** Valid quotes of each dialect the parser reads, to mutate: test/remote-agents/parse-quote.test.ts already covers purely random input. */
const offer = { scheme: "exact", network: "eip155:31337", amount: "10000", asset: NETWORKS.local.usdc.address, payTo: "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f", maxTimeoutSeconds: 300, extra: { name: "USD Coin", version: "2" } };
const v2 = { x402Version: 2, error: "payment_required", resource: { url: "https://agent.example/chat", description: "d", mimeType: "application/json" }, accepts: [offer], extensions: {} };
const v1 = { x402Version: 1, error: "payment_required", accepts: [{ ...offer, network: "base-sepolia", maxAmountRequired: "50000", resource: "https://agent.example/chat", description: "d", mimeType: "application/json", asset: NETWORKS["base-sepolia"].usdc.address, extra: { name: "USDC", version: "2" } }] };
const paymentObject = { payment: { amount: "0.01", currency: "USDC", network: "base", recipient: offer.payTo } };
const requirementsObject = { payment_requirements: v1.accepts[0] };

function expectWellFormed(quote: NormalizedQuote, what: string) {
  expect(typeof quote.payable, what).toBe("boolean");
  if (quote.payable) {
    expect(quote.reason, what).toBeNull();
    expect(quote.amount?.atomic, what).toMatch(/^\d+$/);
  } else {
    expect(quote.reason, what).toEqual(expect.any(String));
  }
}

describe(`fuzzed 402 answers (FUZZ_SEED=${SEED})`, () => {
  it("parseQuote reads 10,000 mutated v2 headers, v1 bodies and other dialects without throwing", () => {
    const r = prng(SEED + 2);
    for (let i = 0; i < 10_000; i++) {
      const base = r.pick([v2, v1, paymentObject, requirementsObject] as const);
      const mutated = r.mutate(base);
      const asHeader = base === v2 && r.chance(0.7);
      const headers: Record<string, string> = asHeader ? { "PAYMENT-REQUIRED": r.chance(0.9) ? encodePaymentRequiredHeader(mutated as PaymentRequired) : r.string(50) } : {};
      if (r.chance(0.1)) headers[r.pick(["X-Price", "X-Currency", "X-Network", "X-Recipient"])] = String(r.scalar());
      const bodyText = asHeader ? (r.chance(0.5) ? JSON.stringify(r.mutate(v1)) : r.string(30)) : JSON.stringify(mutated);
      const what = `FUZZ_SEED=${SEED}, case ${i}: ${JSON.stringify(headers).slice(0, 200)} ${bodyText.slice(0, 200)}`;
      let quote: NormalizedQuote | undefined;
      expect(() => (quote = parseQuote({ status: 402, headers, bodyText }, { url: "https://agent.example/chat" })), what).not.toThrow();
      expectWellFormed(quote!, what);
    }
  });

  describe("through the probe route, from a real HTTP server", () => {
    let agent: Awaited<ReturnType<typeof listen>>;
    let app: Awaited<ReturnType<typeof serveRoutes>>;
    const answers: Array<{ headers: Record<string, string>; body: string }> = [];

    beforeAll(async () => {
      // A test double standing in for x402 agents in the wild: answer n of the fuzz list is served at /n.
      agent = await listen((req, res) => {
        const answer = answers[Number(req.url?.slice(1))];
        if (!answer) return void res.writeHead(404).end(); // e.g. /.well-known/x402, which the probe also asks
        res.writeHead(402, { "content-type": "application/json", ...answer.headers }).end(answer.body);
      });
      app = await serveRoutes([{ method: "POST", path: "/api/probe", handle: (req) => probe(req) }]);
    });
    afterAll(async () => {
      await app?.close();
      await agent?.close();
    });

    it("answers 1,000 mutated quotes with 200 and a well-formed quote", async () => {
      const r = prng(SEED + 3);
      for (let i = 0; i < 1_000; i++) {
        const base = r.pick([v2, v1, paymentObject, requirementsObject] as const);
        // Header values must stay within what HTTP can carry; the body takes anything.
        answers.push(base === v2 ? { headers: { "PAYMENT-REQUIRED": encodePaymentRequiredHeader(r.mutate(v2) as PaymentRequired) }, body: "{}" } : { headers: {}, body: JSON.stringify(r.mutate(base)) });
      }
      await forCases(answers.length, 8, async (i) => {
        const res = await fetch(`${app.url}/api/probe`, { method: "POST", body: JSON.stringify({ url: `${agent.url}/${i}` }) });
        const body = (await res.json()) as { quote: NormalizedQuote };
        expect(res.status, JSON.stringify(answers[i]).slice(0, 300)).toBe(200);
        expectWellFormed(body.quote, JSON.stringify(answers[i]).slice(0, 300));
      });
    });
  });
});
