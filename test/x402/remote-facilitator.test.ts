import { beforeEach, describe, expect, it } from "vitest";
import { handleFacilitatorRequest, handleFacilitatorSupported } from "@/lib/x402/facilitator/http";
import { getLedger } from "@/lib/ledger";
import { resetProcessSingleton } from "@/lib/singleton";
import { serveRoutes } from "../../lib/devtools/route-server";
import { deadUrl } from "../agents/support/http";
import { routesFixture } from "../support/fixtures";
import { readUIChunks } from "../support/ui-stream";
import { MARKET_AGENT, chatBody, fundedPayer, payingFetch, paidStackFixture, usdcBalance } from "./support";

const stack = paidStackFixture();
const calls: string[] = [];
// A facilitator reached over HTTP (our own routes, served apart), counting what it is asked.
const remote = routesFixture([
  { method: "POST", path: "/verify", handle: (req) => (calls.push("verify"), handleFacilitatorRequest(req, "verify")) },
  { method: "POST", path: "/settle", handle: (req) => (calls.push("settle"), handleFacilitatorRequest(req, "settle")) },
  { method: "GET", path: "/supported", handle: () => (calls.push("supported"), handleFacilitatorSupported()) },
]);
beforeEach(() => {
  // The resource server asks its facilitators what they support once per process: start afresh.
  resetProcessSingleton("resourceServer");
  calls.length = 0;
});

const chatUrl = () => `${stack.url}/api/x402/${MARKET_AGENT}/chat`;

describe("FACILITATOR_URL", () => {
  it("sends verification and settlement to the remote facilitator", async () => {
    process.env.FACILITATOR_URL = remote.url;
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const res = await payingFetch(payer)(chatUrl(), { method: "POST", body: chatBody("What is the current price of ETH?") });
    const receipt = (await readUIChunks(res)).find((c) => c.type === "data-receipt")?.data as { success: boolean };
    expect(receipt.success).toBe(true);
    expect(calls).toEqual(["supported", "verify", "settle"]);
  });

  it("answers 503 and charges nothing when the facilitator goes down", async () => {
    const flaky = await serveRoutes([
      { method: "GET", path: "/supported", handle: () => handleFacilitatorSupported() },
      { method: "POST", path: "/verify", handle: (req) => handleFacilitatorRequest(req, "verify") },
    ]);
    process.env.FACILITATOR_URL = flaky.url;
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    // The quote is served while the facilitator is up…
    expect((await fetch(chatUrl(), { method: "POST", body: chatBody("hi") })).status).toBe(402);
    await flaky.close();
    // …and the payment arrives after it went down.
    const res = await payingFetch(payer)(chatUrl(), { method: "POST", body: chatBody("What is the current price of ETH?") });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("facilitator_unavailable");
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
    expect(await (await getLedger()).listPayments({ payer: payer.address })).toHaveLength(0);
  });

  it("falls back to our own facilitator for the local chain when the remote one is unreachable from the start", async () => {
    process.env.FACILITATOR_URL = await deadUrl();
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const res = await payingFetch(payer)(chatUrl(), { method: "POST", body: chatBody("What is the current price of ETH?") });
    expect(res.status).toBe(200);
    const receipt = (await readUIChunks(res)).find((c) => c.type === "data-receipt")?.data as { success: boolean };
    expect(receipt.success).toBe(true);
  });
});
