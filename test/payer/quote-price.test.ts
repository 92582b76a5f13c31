import { describe, expect, it } from "vitest";
import { NETWORKS } from "@/lib/chains/networks";
import { DEFAULT_POLICY } from "@/lib/x402/payer/policy";
import { createPayingFetch, PaymentStopped, type ApprovalRequest } from "@/lib/x402/payer/paying-fetch";

/**
 * The price the paying fetch reads from a quote, before anything is signed. The agent is a 402 body handed to
 * the paying fetch as its first answer; the user declines, so nothing past the price is reached.
 */
function quoteV1(maxAmountRequired: string) {
  const local = NETWORKS.local;
  return {
    x402Version: 1,
    accepts: [
      {
        scheme: "exact",
        network: local.caip2,
        maxAmountRequired,
        resource: "http://127.0.0.1/agent",
        description: "an agent",
        mimeType: "application/json",
        payTo: "0x000000000000000000000000000000000000bEEF",
        maxTimeoutSeconds: 300,
        asset: local.usdc.address,
        extra: {},
      },
    ],
  };
}

async function priceAsked(body: unknown) {
  const asked: ApprovalRequest[] = [];
  const payingFetch = createPayingFetch({
    network: NETWORKS.local,
    signer: () => null,
    shownPrice: () => null,
    policy: () => ({ policy: DEFAULT_POLICY, spent: { session: 0n, today: 0n } }),
    approve: async (request) => {
      asked.push(request);
      return false;
    },
    usdcBalance: async () => 0n,
    onPaid: () => undefined,
    baseFetch: async () => new Response(JSON.stringify(body), { status: 402, headers: { "content-type": "application/json" } }),
  });
  const error = await payingFetch("http://127.0.0.1/agent", { method: "POST" }).then(
    () => null,
    (err: unknown) => err,
  );
  return { asked, error };
}

describe("the price of a quote, as the paying fetch reads it", () => {
  it("reads a v1 quote's maxAmountRequired", async () => {
    const { asked, error } = await priceAsked(quoteV1("20000"));
    expect(asked).toMatchObject([{ kind: "quote-changed", amount: 20000n }]);
    expect(error).toBeInstanceOf(PaymentStopped);
    expect((error as PaymentStopped).reason).toBe("quote_changed");
  });

  it("refuses a price that is not a whole number of atomic units as not payable, asking nothing", async () => {
    const { asked, error } = await priceAsked(quoteV1("1.5"));
    expect(asked).toEqual([]);
    expect(error).toBeInstanceOf(PaymentStopped);
    expect((error as PaymentStopped).reason).toBe("not_payable");
  });
});
