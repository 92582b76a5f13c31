import type { PaymentRequirements } from "@x402/core/types";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import { beforeAll, describe, expect, it } from "vitest";
import { getLedger } from "@/lib/ledger";
import { NETWORKS } from "@/lib/chains/networks";
import { MARKET_AGENT, chatBody, fundedPayer, paidStackFixture, usdcBalance } from "../x402/support";
import { authorizationFor, requirementOf, signedPaymentHeader, type AuthorizationFields } from "./support/authorization";

const stack = paidStackFixture();
let requirement: PaymentRequirements;
const chatUrl = () => `${stack.url}/api/x402/${MARKET_AGENT}/chat`;
const nowS = () => BigInt(Math.floor(Date.now() / 1000));

beforeAll(async () => {
  requirement = await requirementOf(chatUrl());
});

/** Each signed with viem for exactly what its name says, wrapped with the agent's real requirement as `accepted`. */
const BAD_AUTHORIZATIONS: Array<[string, () => Partial<AuthorizationFields>, RegExp]> = [
  ["for less than the price", () => ({ value: BigInt(requirement.amount) - 1n }), /^payment_mismatch$/],
  ["to another payee", () => ({ to: privateKeyToAccount(generatePrivateKey()).address }), /^payment_mismatch$/],
  // The asset is the EIP-712 domain's verifyingContract: signed for another token, it is not a USDC signature.
  ["for another asset", () => ({ verifyingContract: NETWORKS.base.usdc.address }), /^invalid_exact_evm_signature$/],
  ["expired", () => ({ validAfter: nowS() - 600n, validBefore: nowS() - 1n }), /^invalid_exact_evm_payload_authorization_valid_before$/],
  ["not yet valid", () => ({ validAfter: nowS() + 3_600n }), /^invalid_exact_evm_payload_authorization_valid_after$/],
];

describe("authorizations that do not pay this agent its price, now", () => {
  it.each(BAD_AUTHORIZATIONS)("an authorization %s is refused with a clear 402, nothing charged, nothing recorded", async (_name, over, reason) => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const { header } = await signedPaymentHeader(payer, requirement, authorizationFor(requirement, over()));

    const res = await fetch(chatUrl(), { method: "POST", headers: { "PAYMENT-SIGNATURE": header }, body: chatBody("What is the current price of ETH?") });
    expect(res.status).toBe(402);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toMatch(reason);
    expect(body.message.length).toBeGreaterThan(20);

    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
    expect(await (await getLedger()).listPayments({ payer: payer.address })).toEqual([]);
  });

  it("while the same signer's well-formed authorization pays (the bad ones were refused for their fault)", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const { header } = await signedPaymentHeader(payer, requirement, authorizationFor(requirement));
    const res = await fetch(chatUrl(), { method: "POST", headers: { "PAYMENT-SIGNATURE": header }, body: chatBody("What is the current price of ETH?") });
    expect(res.status).toBe(200);
    await res.text();
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before - BigInt(requirement.amount));
  });
});
