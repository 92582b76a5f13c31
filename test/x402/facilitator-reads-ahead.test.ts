import { describe, expect, it } from "vitest";
import { getLocalFacilitator } from "@/lib/x402/facilitator";
import { facilitatorRpcDoubleFixture } from "../reliability/support/rpc-double";
import { testChainFixture } from "../support/fixtures";
import { marketRequirements, fundedPayer, x402ClientFor } from "./support";

const anvil = testChainFixture();
const counting = facilitatorRpcDoubleFixture(anvil);

const requirementsOf = marketRequirements;

describe("the facilitator's verification reads", () => {
  it("asks the chain once: the payer's and the asset's code and the simulation in one JSON-RPC batch", async () => {
    const requirements = requirementsOf();
    const payer = await fundedPayer(anvil.rpcUrl, "1");
    const payload = await x402ClientFor(payer).createPaymentPayload({ x402Version: 2, resource: { url: "http://test/r" }, accepts: [requirements] });
    const before = counting().requests.length;

    expect((await getLocalFacilitator().verify(payload, requirements)).isValid).toBe(true);

    // Without the reads ahead: three requests one after another (payer's code, asset's code, simulation).
    const made = counting().requests.slice(before);
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
