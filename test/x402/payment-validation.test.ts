import { describe, expect, it } from "vitest";
import { listAgents } from "@/lib/agents/registry";
import { NETWORKS } from "@/lib/chains/networks";
import { decodePaymentHeader } from "@/lib/x402/server/payment";
import { agentPrice, type AgentQuote } from "@/lib/x402/server/quote";

/** The market agent's quote as it would be on Base, the network x402 v1 can name. */
function baseQuote(): AgentQuote {
  const agent = listAgents()[0]!;
  const base = NETWORKS.base;
  const requirements = { ...agentPrice(agent), network: base.caip2, asset: base.usdc.address, extra: { name: "USD Coin", version: "2" } };
  return { agent, network: base, requirements, tab: null, resource: { url: "http://127.0.0.1/api/x402/market/chat", description: "market" } };
}

function authorizationFor(quote: AgentQuote) {
  return {
    from: "0x1111111111111111111111111111111111111111",
    to: quote.requirements.payTo,
    value: quote.requirements.amount,
    validAfter: "0",
    validBefore: String(Math.floor(Date.now() / 1000) + 60),
    nonce: `0x${"ab".repeat(32)}`,
  };
}

const header = (x402Version: 1 | 2, payload: unknown) => ({ x402Version, value: Buffer.from(JSON.stringify(payload)).toString("base64") });

describe("x402 payloads are checked with the SDK's schemas", () => {
  it("reads a v1 X-PAYMENT's network and verifies it against the quote in v1's shape", () => {
    const quote = baseQuote();
    const payload = { signature: "0x12", authorization: authorizationFor(quote) };
    const decoded = decodePaymentHeader(quote, header(1, { x402Version: 1, scheme: "exact", network: "base", payload }));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.payment.requirements).toMatchObject({ network: "base", maxAmountRequired: quote.requirements.amount, resource: quote.resource.url });
  });

  it("refuses a v1 X-PAYMENT that names its network but not its scheme", () => {
    const quote = baseQuote();
    const payload = { signature: "0x12", authorization: authorizationFor(quote) };
    const decoded = decodePaymentHeader(quote, header(1, { x402Version: 1, network: "base", payload }));
    expect(decoded).toMatchObject({ ok: false, status: 402, error: "invalid_payment_header" });
    if (!decoded.ok) expect(decoded.message).toContain("scheme");
  });

  it("refuses a v2 PAYMENT-SIGNATURE whose accepted quote has no network, naming the field", () => {
    const quote = baseQuote();
    const accepted: Partial<AgentQuote["requirements"]> = { ...quote.requirements };
    delete accepted.network;
    const payload = { signature: "0x12", authorization: authorizationFor(quote) };
    const decoded = decodePaymentHeader(quote, header(2, { x402Version: 2, accepted, payload }));
    expect(decoded).toMatchObject({ ok: false, status: 402, error: "invalid_payment_header" });
    if (!decoded.ok) expect(decoded.message).toContain("accepted.network");
  });
});
