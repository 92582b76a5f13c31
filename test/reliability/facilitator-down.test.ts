import { describe, expect, it } from "vitest";
import { getLedger } from "@/lib/ledger";
import { resetProcessSingleton } from "@/lib/singleton";
import { deadUrl } from "../agents/support/http";
import { MARKET_AGENT, chatBody, fundedPayer, signProofFor, paidStackFixture, usdcBalance } from "../x402/support";

const stack = paidStackFixture();

describe("our own facilitator cannot reach the chain at verify time", () => {
  it("answers 503 facilitator_unavailable, charges nothing and records nothing", async () => {
    const chatUrl = `${stack.url}/api/x402/${MARKET_AGENT}/chat`;
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const { header } = await signProofFor(payer, chatUrl);
    // A server started with its RPC at a port where nothing listens: the facilitator is made afresh from it.
    process.env.LOCAL_RPC_URL = await deadUrl();
    resetProcessSingleton("localFacilitator");
    resetProcessSingleton("resourceServer");

    const res = await fetch(chatUrl, { method: "POST", headers: { "PAYMENT-SIGNATURE": header }, body: chatBody("What is the current price of ETH?") });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("facilitator_unavailable");
    expect(body.error.message).toMatch(/could not verify/);
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
    expect(await (await getLedger()).listPayments({ payer: payer.address })).toEqual([]);
  });
});
