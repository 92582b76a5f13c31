import { decodePaymentRequiredHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { authorizationTypes } from "@x402/evm";
import { toHex, type Address, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { NETWORKS } from "@/lib/chains/networks";

export interface AuthorizationFields {
  to: Address;
  value: bigint;
  validAfter: bigint;
  validBefore: bigint;
  /** The token whose EIP-712 domain is signed; the local USDC unless another asset is wanted. */
  verifyingContract?: Address;
}

const nowS = () => BigInt(Math.floor(Date.now() / 1000));

/** The fields a well-behaved client signs for `requirement`; override any to make a bad one. */
export function authorizationFor(requirement: PaymentRequirements, over: Partial<AuthorizationFields> = {}): AuthorizationFields {
  return {
    to: requirement.payTo as Address,
    value: BigInt(requirement.amount),
    validAfter: nowS() - 600n,
    validBefore: nowS() + BigInt(requirement.maxTimeoutSeconds),
    ...over,
  };
}

/**
 * Signs an EIP-3009 TransferWithAuthorization with viem directly (no SDK
 * client, so nothing checks what we sign) on the local USDC domain, and wraps
 * it in a v2 PaymentPayload whose `accepted` is the agent's real requirement.
 */
export async function signedPaymentHeader(
  account: PrivateKeyAccount,
  requirement: PaymentRequirements,
  fields: AuthorizationFields,
): Promise<{ header: string; payload: PaymentPayload; nonce: Hex }> {
  const nonce = toHex(crypto.getRandomValues(new Uint8Array(32)));
  const local = NETWORKS.local;
  const authorization = { from: account.address, to: fields.to, value: fields.value, validAfter: fields.validAfter, validBefore: fields.validBefore, nonce };
  const signature = await account.signTypedData({
    domain: { name: local.usdc.eip712Name, version: local.usdc.eip712Version, chainId: local.chainId, verifyingContract: fields.verifyingContract ?? local.usdc.address },
    types: authorizationTypes,
    primaryType: "TransferWithAuthorization",
    message: authorization,
  });
  const payload = {
    x402Version: 2,
    accepted: requirement,
    payload: {
      signature,
      authorization: { ...authorization, value: String(fields.value), validAfter: String(fields.validAfter), validBefore: String(fields.validBefore) },
    },
  } as PaymentPayload;
  return { header: encodePaymentSignatureHeader(payload), payload, nonce };
}

/** The agent's real requirement, read from its 402 like any client would. */
export async function requirementOf(chatUrl: string): Promise<PaymentRequirements> {
  const res = await fetch(chatUrl, { method: "POST", body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }) });
  if (res.status !== 402) throw new Error(`expected 402, got ${res.status}`);
  return decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!).accepts[0]!;
}
