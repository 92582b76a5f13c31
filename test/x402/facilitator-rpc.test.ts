import { describe, expect, it } from "vitest";
import { getLocalFacilitator } from "@/lib/x402/facilitator";
import { facilitatorRpcDoubleFixture } from "../reliability/support/rpc-double";
import { testChainFixture } from "../support/fixtures";
import { marketRequirements, fundedPayer, x402ClientFor } from "./support";

const anvil = testChainFixture();
const counting = facilitatorRpcDoubleFixture(anvil);

describe("the facilitator's chain round trips", () => {
  it("looks up code once for a payer and asset it just saw, but simulates every payment", async () => {
    const requirements = marketRequirements();
    const payer = await fundedPayer(anvil.rpcUrl, "1");
    const client = x402ClientFor(payer);
    const pay = () => client.createPaymentPayload({ x402Version: 2, resource: { url: "http://test/r" }, accepts: [requirements] });
    const count = (method: string) => counting().seen.filter((m) => m === method).length;

    expect((await getLocalFacilitator().verify(await pay(), requirements)).isValid).toBe(true);
    const [codeLookups, simulations] = [count("eth_getCode"), count("eth_call")];
    expect(codeLookups).toBeGreaterThan(0);
    expect(simulations).toBeGreaterThan(0);

    expect((await getLocalFacilitator().verify(await pay(), requirements)).isValid).toBe(true);
    expect(count("eth_getCode")).toBe(codeLookups);
    expect(count("eth_call")).toBeGreaterThan(simulations);
  });
});
