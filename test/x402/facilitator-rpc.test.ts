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

describe("the facilitator's chain round trips", () => {
  it("looks up code once for a payer and asset it just saw, but simulates every payment", async () => {
    const { scheme, network, payTo, amount, asset, extra, maxTimeoutSeconds } = agentPrice(getAgent(MARKET_AGENT)!);
    const requirements: PaymentRequirements = { scheme, network, payTo, amount, asset, extra: { ...extra }, maxTimeoutSeconds };
    const payer = await fundedPayer(anvil.rpcUrl, "1");
    const client = x402ClientFor(payer);
    const pay = () => client.createPaymentPayload({ x402Version: 2, resource: { url: "http://test/r" }, accepts: [requirements] });
    const count = (method: string) => rpc.seen.filter((m) => m === method).length;

    expect((await getLocalFacilitator().verify(await pay(), requirements)).isValid).toBe(true);
    const [codeLookups, simulations] = [count("eth_getCode"), count("eth_call")];
    expect(codeLookups).toBeGreaterThan(0);
    expect(simulations).toBeGreaterThan(0);

    expect((await getLocalFacilitator().verify(await pay(), requirements)).isValid).toBe(true);
    expect(count("eth_getCode")).toBe(codeLookups);
    expect(count("eth_call")).toBeGreaterThan(simulations);
  });
});
