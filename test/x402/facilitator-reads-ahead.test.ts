import type { PaymentRequirements } from "@x402/core/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAgent } from "@/lib/agents/registry";
import { getLocalFacilitator } from "@/lib/x402/facilitator";
import { agentPrice } from "@/lib/x402/server/quote";
import { startRpcDouble } from "../reliability/support/rpc-double";
import { testChainFixture } from "../support/fixtures";
import { MARKET_AGENT, fundedPayer, x402ClientFor } from "./support";

const anvil = testChainFixture();
let rpc: Awaited<ReturnType<typeof startRpcDouble>>;

beforeAll(async () => {
  rpc = await startRpcDouble(anvil.rpcUrl);
  // The facilitator of this test process reads the chain through the counting double.
  process.env.LOCAL_RPC_URL = rpc.url;
});
afterAll(async () => {
  await rpc?.close();
});

function requirementsOf(): PaymentRequirements {
  const { scheme, network, payTo, amount, asset, extra, maxTimeoutSeconds } = agentPrice(getAgent(MARKET_AGENT)!);
  return { scheme, network, payTo, amount, asset, extra: { ...extra }, maxTimeoutSeconds };
}

describe("the facilitator's verification reads", () => {
  it("asks the chain once: the payer's and the asset's code and the simulation in one JSON-RPC batch", async () => {
    const requirements = requirementsOf();
    const payer = await fundedPayer(anvil.rpcUrl, "1");
    const payload = await x402ClientFor(payer).createPaymentPayload({ x402Version: 2, resource: { url: "http://test/r" }, accepts: [requirements] });
    const before = rpc.requests.length;

    expect((await getLocalFacilitator().verify(payload, requirements)).isValid).toBe(true);

    // Without the reads ahead: three requests one after another (payer's code, asset's code, simulation).
    const made = rpc.requests.slice(before);
    expect(made).toHaveLength(1);
    expect([...made[0]!].sort()).toEqual(["eth_call", "eth_getCode", "eth_getCode"]);
  });

  it("still refuses what the simulation refuses: an authorization beyond the payer's balance", async () => {
    const requirements = requirementsOf();
    const payer = await fundedPayer(anvil.rpcUrl, "0");
    const payload = await x402ClientFor(payer).createPaymentPayload({ x402Version: 2, resource: { url: "http://test/r" }, accepts: [requirements] });
    const verdict = await getLocalFacilitator().verify(payload, requirements);
    expect(verdict.isValid).toBe(false);
  });
});
