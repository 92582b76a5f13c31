import { describe, expect, it } from "vitest";
import { listAgents } from "@/lib/agents/registry";
import { NETWORKS } from "@/lib/chains/networks";
import { handleFacilitatorRequest } from "@/lib/x402/facilitator/http";
import { agentPrice } from "@/lib/x402/server/quote";

/** A payment to the first agent on Base, the network x402 v1 can name. */
function basePayment() {
  const agent = listAgents()[0]!;
  const base = NETWORKS.base;
  const requirements = { ...agentPrice(agent), network: base.caip2, asset: base.usdc.address, extra: { name: "USD Coin", version: "2" } };
  const authorization = {
    from: "0x1111111111111111111111111111111111111111",
    to: requirements.payTo,
    value: requirements.amount,
    validAfter: "0",
    validBefore: String(Math.floor(Date.now() / 1000) + 60),
    nonce: `0x${"ab".repeat(32)}`,
  };
  return { requirements, resource: "http://127.0.0.1/api/x402/agent/chat", payload: { signature: "0x12", authorization } };
}

const verify = (body: unknown) =>
  handleFacilitatorRequest(
    new Request("http://127.0.0.1/api/facilitator/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    "verify",
  );

describe("the facilitator checks requests with the SDK's schemas", () => {
  it("refuses a payload without its accepted quote as an invalid request, naming the field", async () => {
    const { requirements, payload } = basePayment();
    const body = {
      x402Version: 2,
      paymentPayload: { x402Version: 2, payload },
      paymentRequirements: requirements,
    };
    const res = await verify(body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe("invalid_request");
    expect(json.error.message).toContain("paymentPayload.accepted");
  });

  it("refuses v1 requirements without maxAmountRequired, naming the part", async () => {
    const { requirements, resource, payload } = basePayment();
    const body = {
      x402Version: 1,
      paymentPayload: { x402Version: 1, scheme: "exact", network: "base", payload },
      paymentRequirements: { scheme: "exact", network: "base", resource, description: "", payTo: requirements.payTo, maxTimeoutSeconds: 300, asset: requirements.asset },
    };
    const res = await verify(body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe("invalid_request");
    expect(json.error.message).toContain("paymentRequirements");
  });
});
