import { encodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequired } from "@x402/core/types";
import { describe, expect, it } from "vitest";
import { NETWORKS } from "@/lib/chains/networks";
import { parseQuote } from "@/lib/remote-agents/parse-quote";
import { urlAgent } from "@/lib/x402/payer/chat-agent";

/** A pasted agent whose 402 offers a tab besides `exact`: the chat proposes one, as for a catalog agent. */
const PAY_TO = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";
const OTHER = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const USDC = NETWORKS.local.usdc.address;
const URL = "http://127.0.0.1:4100/chat";
const exact = { scheme: "exact", network: "eip155:31337", amount: "10000", asset: USDC, payTo: PAY_TO, maxTimeoutSeconds: 300, extra: { name: "USD Coin", version: "2" } };
const tab = { ...exact, scheme: "batch-settlement", extra: { receiverAuthorizer: OTHER, withdrawDelay: 900 } };

function agentFor(accepts: unknown[]) {
  const header = encodePaymentRequiredHeader({ x402Version: 2, error: "payment_required", resource: { url: URL }, accepts } as PaymentRequired);
  return urlAgent(URL, parseQuote({ status: 402, headers: { "PAYMENT-REQUIRED": header }, bodyText: "" }, { url: URL }), NETWORKS.local, "http://127.0.0.1:3000");
}

describe("a pasted agent's tab offer", () => {
  it("is proposed when its 402 offers batch-settlement in the same USDC, network and receiver as its exact price", () => {
    expect(agentFor([exact, tab])).toMatchObject({ tab: true, blocked: null, shown: { payTo: PAY_TO, amount: 10000n } });
    expect(agentFor([tab, exact]).tab).toBe(true);
  });

  it("is not proposed for exact alone, nor for a tab in another asset, network or receiver", () => {
    expect(agentFor([exact]).tab).toBe(false);
    expect(agentFor([exact, { ...tab, payTo: OTHER }]).tab).toBe(false);
    expect(agentFor([exact, { ...tab, asset: NETWORKS["base-sepolia"].usdc.address }]).tab).toBe(false);
    expect(agentFor([exact, { ...tab, network: "eip155:84532" }]).tab).toBe(false);
  });
});
