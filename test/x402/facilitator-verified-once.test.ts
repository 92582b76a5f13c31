/**
 * Our facilitator recovers a payment's signature once: settling a payload it verified does not verify it again
 * (lib/x402/facilitator/local.ts, ExactSchemeVerifiedOnce), and nothing else is let through for that.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import type { Address, Hex } from "viem";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NETWORKS } from "@/lib/chains/networks";
import { createLocalFacilitatorWithBatchers } from "@/lib/x402/facilitator/local";
import { fixture, setEnv, testChainFixture } from "../support/fixtures";
import { marketRequirements, fundedPayer, usdcBalance, x402ClientFor } from "./support";

const chain = testChainFixture();
fixture(async () => setEnv({ DATA_DIR: "memory://", SETTLEMENT_BATCH_MAX: "50", SETTLEMENT_BATCH_WAIT_MS: "20" }), (restore) => restore());
afterEach(() => vi.useRealTimers());

const requirements = marketRequirements;

async function payload(req: PaymentRequirements): Promise<PaymentPayload> {
  const payer = await fundedPayer(chain.rpcUrl, "1");
  return x402ClientFor(payer).createPaymentPayload({ x402Version: 2, resource: { url: "http://test/resource" }, accepts: [req] });
}

/** Counts secp256k1 public-key recoveries in this process: the copy of noble's curves viem loads. */
async function countRecoveries(): Promise<{ count: () => number; restore: () => void }> {
  const fromViem = createRequire(createRequire(import.meta.url).resolve("viem"));
  const path = fromViem.resolve("@noble/curves/secp256k1").replace(/\/secp256k1\.js$/, "/esm/secp256k1.js");
  const { secp256k1 } = (await import(pathToFileURL(path).href)) as { secp256k1: { Signature: { prototype: { recoverPublicKey: (...a: unknown[]) => unknown } } } };
  const proto = secp256k1.Signature.prototype;
  const original = proto.recoverPublicKey;
  let n = 0;
  proto.recoverPublicKey = function (this: unknown, ...args: unknown[]) {
    n += 1;
    return original.apply(this, args);
  };
  return { count: () => n, restore: () => void (proto.recoverPublicKey = original) };
}

describe("a payment's signature is recovered once", () => {
  it("verify, then settle: one recovery, and the payment settles", async () => {
    const { facilitator } = createLocalFacilitatorWithBatchers();
    const req = requirements();
    const p = await payload(req);
    const before = await usdcBalance(chain.rpcUrl, req.payTo as Address);
    const recoveries = await countRecoveries();
    try {
      expect((await facilitator.verify(p, req)).isValid).toBe(true);
      const settled = await facilitator.settle(p, req);
      expect(settled.errorReason ?? "ok").toBe("ok");
      expect(settled.transaction).toMatch(/^0x[0-9a-f]{64}$/);
      expect(recoveries.count()).toBe(1);
    } finally {
      recoveries.restore();
    }
    expect(await usdcBalance(chain.rpcUrl, req.payTo as Address)).toBe(before + BigInt(req.amount));
  });

  it("a payload that was not verified here (a forged signature on a verified authorization) is checked and refused", async () => {
    const { facilitator, batchers } = createLocalFacilitatorWithBatchers();
    const batcher = batchers.get(NETWORKS.local.caip2)!;
    const req = requirements();
    const p = await payload(req);
    expect((await facilitator.verify(p, req)).isValid).toBe(true);
    const inner = p.payload as { signature: Hex };
    // The same authorization with s replaced: a well-formed signature, not the payer's.
    const forged: PaymentPayload = { ...p, payload: { ...p.payload, signature: `${inner.signature.slice(0, 66)}${"11".repeat(32)}${inner.signature.slice(-2)}` } };
    const sent = batcher.sent.length;
    const refused = await facilitator.settle(forged, req);
    expect(refused.success).toBe(false);
    expect(refused.errorReason).toBe("invalid_exact_evm_signature");
    expect(batcher.sent.length).toBe(sent);
    // The genuine one still settles.
    expect((await facilitator.settle(p, req)).errorReason ?? "ok").toBe("ok");
  });

  it("an authorization verified in time but settled within 6 s of its validBefore is refused, nothing sent", async () => {
    const { facilitator, batchers } = createLocalFacilitatorWithBatchers();
    const batcher = batchers.get(NETWORKS.local.caip2)!;
    const req = requirements();
    const p = await payload(req);
    expect((await facilitator.verify(p, req)).isValid).toBe(true);
    const validBefore = Number((p.payload as { authorization: { validBefore: string } }).authorization.validBefore);
    // This process's clock comes within the SDK's 6 s of the authorization's end; the chain's does not (the token
    // would still take it).
    vi.useFakeTimers({ toFake: ["Date"], now: (validBefore - 3) * 1000 });
    const sent = batcher.sent.length;
    const refused = await facilitator.settle(p, req);
    expect(refused.success).toBe(false);
    expect(refused.errorReason).toBe("invalid_exact_evm_payload_authorization_valid_before");
    expect(batcher.sent.length).toBe(sent);
  });

  it("a verified payload already settled is refused by the SDK's words when settled again", async () => {
    const { facilitator } = createLocalFacilitatorWithBatchers();
    const req = requirements();
    const p = await payload(req);
    expect((await facilitator.verify(p, req)).isValid).toBe(true);
    expect((await facilitator.settle(p, req)).success).toBe(true);
    expect((await facilitator.verify(p, req)).isValid).toBe(false);
    // Verified again while unused would pass; settled again after use, the batch's simulation refuses it.
    const again = await facilitator.settle(p, req);
    expect(again.success).toBe(false);
    expect(again.errorReason).toBe("invalid_exact_evm_nonce_already_used");
  });
});
