import { describe, expect, it } from "vitest";
import { readUIChunks } from "../support/ui-stream";
import { MARKET_AGENT, chatBody, fundedPayer, payingFetch, signProofFor, paidStackFixture } from "../x402/support";
import { SEED, forCases, prng } from "./support/random";

const stack = paidStackFixture();
const chatUrl = () => `${stack.url}/api/x402/${MARKET_AGENT}/chat`;
const b64 = (text: string | Uint8Array) => Buffer.from(text).toString("base64");
/** fetch refuses header values outside Latin-1 and with CR/LF/NUL: a client could not send those either. */
const asHeaderValue = (text: string) => text.replace(/[^\x20-\x7e\x80-\xff\t]/g, "?");

/** Answers only 2xx or 4xx, and reads the whole body (a stream that breaks shows up here). */
async function expectHandled(res: Response, what: string) {
  const body = await res.text();
  expect(res.status, `${what} -> ${res.status} ${body.slice(0, 300)}`).toBeLessThan(500);
  expect(res.status, what).toBeGreaterThanOrEqual(200);
  // 431: Node refused headers over its 16 KB limit before our handler ran; every other refusal is ours, in JSON.
  if (res.status >= 400 && res.status !== 431) expect(JSON.parse(body), `${what} -> ${res.status}`).toHaveProperty("error");
}

describe(`fuzzed input to the paid chat route (FUZZ_SEED=${SEED})`, () => {
  it("answers 2,000 random and mutated payment headers with 4xx, never 5xx", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { payload } = await signProofFor(payer, chatUrl());
    const r = prng(SEED);
    const headers = Array.from({ length: 2_000 }, (): [string, string] => {
      const name = r.chance(0.85) ? "PAYMENT-SIGNATURE" : "X-PAYMENT";
      const kind = r.int(4);
      if (kind === 0) return [name, asHeaderValue(r.string(300)) || "x"];
      if (kind === 1) return [name, b64(r.bytes(400))];
      if (kind === 2) return [name, b64(JSON.stringify(r.json(4)))];
      return [name, b64(JSON.stringify(r.mutate(payload)))];
    });
    const statuses = new Map<number, number>();
    await forCases(headers.length, 16, async (i) => {
      const [name, value] = headers[i]!;
      const res = await fetch(chatUrl(), { method: "POST", headers: { [name]: value }, body: chatBody("What is the current price of ETH?") });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      await expectHandled(res, `${name}: ${value.slice(0, 120)}`);
    });
    expect(statuses.get(402)).toBeGreaterThan(1_000); // most were refused as payments, not as something else
  });

  it("answers 2,000 random chat bodies with 4xx before any payment, never 5xx", async () => {
    const r = prng(SEED + 1);
    const message = () => r.pick([{ role: r.pick(["user", "assistant", "system", "robot", 1]), content: r.chance(0.5) ? r.string(200) : r.json(2) }, r.json(2)]);
    const bodies = Array.from({ length: 2_000 }, (): string => {
      const kind = r.int(6);
      if (kind === 0) return Buffer.from(r.bytes(300)).toString("latin1");
      if (kind === 1) return JSON.stringify(r.json(4));
      if (kind === 2) return JSON.stringify(r.deep(200 + r.int(3_000)));
      if (kind === 3) return JSON.stringify({ messages: [{ role: "user", content: "x".repeat(15_000 + r.int(2_000)) }] });
      if (kind === 4) return JSON.stringify(r.mutate({ messages: [message(), { role: "user", content: "hi" }], id: "c1", selectedToolkits: ["chainlink"] }));
      return JSON.stringify({ messages: Array.from({ length: r.int(120) }, message), selectedToolkits: r.json(1), userId: r.scalar() });
    });
    await forCases(bodies.length, 16, async (i) => {
      // No payment header: a body that passes validation gets the 402 quote, anything else a 400/413.
      const res = await fetch(chatUrl(), { method: "POST", headers: { "content-type": "application/json" }, body: bodies[i] });
      await expectHandled(res, bodies[i]!.slice(0, 120));
      expect([400, 402, 413], bodies[i]!.slice(0, 120)).toContain(res.status);
    });
  });

  it("still serves a valid paid request afterwards", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const res = await payingFetch(payer)(chatUrl(), { method: "POST", body: chatBody("What is the current price of ETH?") });
    expect(res.status).toBe(200);
    const receipt = (await readUIChunks(res)).find((c) => c.type === "data-receipt")?.data as { success: boolean };
    expect(receipt.success).toBe(true);
  });
});
