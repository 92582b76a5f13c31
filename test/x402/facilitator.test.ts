import { HTTPFacilitatorClient } from "@x402/core/server";
import type { PaymentRequirements } from "@x402/core/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAgent } from "@/lib/agents/registry";
import { agentPrice } from "@/lib/x402/server/quote";
import { MARKET_AGENT, fundedPayer, startPaidStack, usdcBalance, x402ClientFor } from "./support";

let stack: Awaited<ReturnType<typeof startPaidStack>>;
beforeAll(async () => {
  stack = await startPaidStack();
});
afterAll(async () => {
  await stack?.close();
});

const requirements = (): PaymentRequirements => {
  const { scheme, network, payTo, amount, asset, extra, maxTimeoutSeconds } = agentPrice(getAgent(MARKET_AGENT)!);
  return { scheme, network, payTo, amount, asset, extra: { ...extra }, maxTimeoutSeconds };
};

describe("the facilitator routes", () => {
  it("lists the local chain among the kinds it supports", async () => {
    const supported = await new HTTPFacilitatorClient({ url: `${stack.url}/api/facilitator` }).getSupported();
    expect(supported.kinds).toContainEqual(expect.objectContaining({ x402Version: 2, scheme: "exact", network: "eip155:31337" }));
    expect(Object.values(supported.signers).flat()).toContain("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  });

  it("verifies and settles 12 payments sent at once, every one of them", async () => {
    const facilitator = new HTTPFacilitatorClient({ url: `${stack.url}/api/facilitator` });
    const req = requirements();
    const payers = await Promise.all(Array.from({ length: 12 }, () => fundedPayer(stack.anvil.rpcUrl, "1")));
    const payloads = await Promise.all(
      payers.map((payer) =>
        x402ClientFor(payer).createPaymentPayload({
          x402Version: 2,
          resource: { url: "http://test/resource" },
          accepts: [req],
        }),
      ),
    );
    const verdicts = await Promise.all(payloads.map((p) => facilitator.verify(p, req)));
    expect(verdicts.every((v) => v.isValid)).toBe(true);

    const before = await usdcBalance(stack.anvil.rpcUrl, req.payTo as `0x${string}`);
    const settled = await Promise.all(payloads.map((p) => facilitator.settle(p, req)));
    expect(settled.map((s) => s.errorReason ?? "ok")).toEqual(Array(12).fill("ok"));
    expect(new Set(settled.map((s) => s.transaction)).size).toBe(12);
    expect(await usdcBalance(stack.anvil.rpcUrl, req.payTo as `0x${string}`)).toBe(before + 12n * BigInt(req.amount));
  });

  it("refuses a second settlement of the same authorization", async () => {
    const facilitator = new HTTPFacilitatorClient({ url: `${stack.url}/api/facilitator` });
    const req = requirements();
    const payer = await fundedPayer(stack.anvil.rpcUrl, "1");
    const payload = await x402ClientFor(payer).createPaymentPayload({ x402Version: 2, resource: { url: "http://test/r" }, accepts: [req] });
    expect((await facilitator.settle(payload, req)).success).toBe(true);
    const again = await facilitator.settle(payload, req).catch((err: { response?: { success: boolean; errorReason?: string } }) => err.response);
    expect(again?.success).toBe(false);
  });

  it("answers a malformed request with a 400 that names the problem", async () => {
    const res = await fetch(`${stack.url}/api/facilitator/verify`, { method: "POST", body: JSON.stringify({ x402Version: 2 }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain("paymentPayload");
  });
});
