/**
 * Batched exact settlements on our local facilitator (lib/x402/settlement/batch.ts), on anvil: payments settled at
 * once go out as one Multicall3 transaction, each caller gets its own outcome, a failing call fails only its own
 * payment, and the browser's receipt check finds each payment's own transfer in the shared transaction.
 */
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { createPublicClient, http, type Address, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { getAgent } from "@/lib/agents/registry";
import { NETWORKS } from "@/lib/chains/networks";
import { createLocalFacilitatorWithBatchers } from "@/lib/x402/facilitator/local";
import { checkSettlement } from "@/lib/x402/payer/receipt-check";
import { agentPrice } from "@/lib/x402/server/quote";
import type { SignedAuthorization } from "@/lib/x402/shared/receipt";
import { fixture, setEnv, testChainFixture } from "../../support/fixtures";
import { MARKET_AGENT, fundedPayer, usdcBalance, x402ClientFor } from "../support";

const chain = testChainFixture();
fixture(async () => setEnv({ DATA_DIR: "memory://", SETTLEMENT_BATCH_MAX: "50", SETTLEMENT_BATCH_WAIT_MS: "100" }), (restore) => restore());

const requirements = (): PaymentRequirements => {
  const { scheme, network, payTo, amount, asset, extra, maxTimeoutSeconds } = agentPrice(getAgent(MARKET_AGENT)!);
  return { scheme, network, payTo, amount, asset, extra: { ...extra }, maxTimeoutSeconds };
};

async function payload(payer: Awaited<ReturnType<typeof fundedPayer>>, req: PaymentRequirements): Promise<PaymentPayload> {
  return x402ClientFor(payer).createPaymentPayload({ x402Version: 2, resource: { url: "http://test/resource" }, accepts: [req] });
}

function signedAuthorization(p: PaymentPayload, req: PaymentRequirements): SignedAuthorization {
  const auth = (p.payload as { authorization: { from: string; to: string; value: string; nonce: string; validBefore: string } }).authorization;
  return { chainId: NETWORKS.local.chainId, asset: req.asset, payer: auth.from, payTo: auth.to, value: auth.value, nonce: auth.nonce, validBefore: auth.validBefore };
}

describe("batched exact settlement", () => {
  it("settles payments made at once in one Multicall3 transaction; a call that fails fails only its own payment", async () => {
    const { facilitator, batchers } = createLocalFacilitatorWithBatchers();
    const batcher = batchers.get(NETWORKS.local.caip2)!;
    const req = requirements();
    const price = BigInt(req.amount);
    const payers = await Promise.all(Array.from({ length: 48 }, () => fundedPayer(chain.rpcUrl, "1")));
    const payloads = await Promise.all(payers.map((p) => payload(p, req)));
    // A payer holding one price signs two payments: each alone is valid (verification passes both), but only one
    // of them can move money; in the batch the other fails, by the token's reason, and nothing else does.
    const poor = await fundedPayer(chain.rpcUrl, "0");
    const { fundLocalAccount } = await import("@/lib/devchain");
    await fundLocalAccount(chain.rpcUrl, poor.address, { usdc: price, eth: 0n });
    const poorPayloads = [await payload(poor, req), await payload(poor, req)];
    const before = await usdcBalance(chain.rpcUrl, req.payTo as Address);
    const sentBefore = batcher.sent.length;

    const all = [...payloads, ...poorPayloads];
    const results = await Promise.all(all.map((p) => facilitator.settle(p, req)));

    const good = results.slice(0, payloads.length);
    expect(good.map((r) => r.errorReason ?? "ok")).toEqual(Array(payloads.length).fill("ok"));
    const poorResults = results.slice(payloads.length);
    expect(poorResults.filter((r) => r.success)).toHaveLength(1);
    const refused = poorResults.find((r) => !r.success)!;
    expect(refused.errorReason).toBe("invalid_exact_evm_insufficient_balance");
    expect(refused.errorMessage).toMatch(/exceeds balance/);

    // One transaction for all that settled, one receipt.
    const batches = batcher.sent.slice(sentBefore);
    expect(batches).toEqual([{ hash: expect.stringMatching(/^0x[0-9a-f]{64}$/), calls: payloads.length + 1 }]);
    const hash = batches[0]!.hash;
    expect(new Set(results.filter((r) => r.success).map((r) => r.transaction))).toEqual(new Set([hash]));
    expect(await usdcBalance(chain.rpcUrl, req.payTo as Address)).toBe(before + BigInt(payloads.length + 1) * price);
    expect(await usdcBalance(chain.rpcUrl, poor.address)).toBe(0n);

    // The browser's check finds each payment's own authorization and transfer in the shared transaction; the
    // refused payment's authorization is not in it.
    const client = createPublicClient({ transport: http(chain.rpcUrl) });
    for (let i = 0; i < all.length; i++) {
      const check = await checkSettlement(client, signedAuthorization(all[i]!, req), hash);
      expect(check.ok).toBe(results[i]!.success);
    }

    const receipt = await client.getTransactionReceipt({ hash: hash as Hex });
    console.log(`[batch] ${payloads.length + 1} settlements in one transaction: ${receipt.gasUsed} gas, ${receipt.gasUsed / BigInt(payloads.length + 1)} per payment`);
  });

  it("flushes a lone payment after the wait, and a full batch at once", async () => {
    const restore = setEnv({ SETTLEMENT_BATCH_MAX: "4" });
    try {
      const { facilitator, batchers } = createLocalFacilitatorWithBatchers();
      const batcher = batchers.get(NETWORKS.local.caip2)!;
      const req = requirements();
      const payers = await Promise.all(Array.from({ length: 9 }, () => fundedPayer(chain.rpcUrl, "1")));
      const payloads = await Promise.all(payers.map((p) => payload(p, req)));
      const results = await Promise.all(payloads.map((p) => facilitator.settle(p, req)));
      expect(results.map((r) => r.errorReason ?? "ok")).toEqual(Array(9).fill("ok"));
      expect(batcher.sent.map((b) => b.calls).sort()).toEqual([1, 4, 4]);
    } finally {
      restore();
    }
  });

  it("sends each settlement alone when SETTLEMENT_BATCH_MAX is 1", async () => {
    const restore = setEnv({ SETTLEMENT_BATCH_MAX: "1" });
    try {
      const { facilitator, batchers } = createLocalFacilitatorWithBatchers();
      expect(batchers.get(NETWORKS.local.caip2)).toBeNull();
      const req = requirements();
      const payers = await Promise.all(Array.from({ length: 3 }, () => fundedPayer(chain.rpcUrl, "1")));
      const results = await Promise.all((await Promise.all(payers.map((p) => payload(p, req)))).map((p) => facilitator.settle(p, req)));
      expect(results.every((r) => r.success)).toBe(true);
      expect(new Set(results.map((r) => r.transaction)).size).toBe(3);
    } finally {
      restore();
    }
  });
});
