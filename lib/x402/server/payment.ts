import "server-only";
import type { x402ResourceServer } from "@x402/core/server";
import { decodePaymentSignatureHeader } from "@x402/core/http";
import { PaymentPayloadV1Schema, PaymentPayloadV2Schema, type PaymentRequirementsV2 } from "@x402/core/schemas";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { z } from "zod";
import { describeError, type ErrorCode } from "@/lib/errors";
import { formatZodError } from "@/lib/http/json";
import { SdkPaymentRequirements } from "@/lib/x402/shared/sdk-input";
import { v1Requirements } from "@/lib/x402/shared/v1";
import type { AgentQuote } from "./quote";

/**
 * Reads the payment proof of a request (v2 PAYMENT-SIGNATURE or v1 X-PAYMENT),
 * checks it against the agent's quote, and verifies it through the facilitator.
 * Every refusal says why, and nothing here moves money.
 */

const hex = (bytes?: number) =>
  z.string().regex(bytes ? new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`) : /^0x[0-9a-fA-F]+$/, "must be 0x-prefixed hex");
const uint = z.union([z.string().regex(/^\d+$/, "must be an unsigned integer"), z.number().int().nonnegative()]);

const Eip3009PayloadSchema = z.object({
  signature: hex(),
  authorization: z.object({
    from: hex(20),
    to: hex(20),
    value: uint,
    validAfter: uint,
    validBefore: uint,
    nonce: hex(32),
  }),
});

export type Eip3009Authorization = z.infer<typeof Eip3009PayloadSchema>["authorization"];

export interface VerifiedPayment extends DecodedPayment {
  payer: string;
}

export type PaymentCheck =
  | { ok: true; payment: VerifiedPayment }
  // A 402's error is x402's field, which also carries the facilitator's own reasons; the others are ours.
  | { ok: false; status: 402; error: string; message: string }
  | { ok: false; status: 409 | 503; error: ErrorCode; message: string };

const refuse = (error: string, message: string): PaymentCheck => ({ ok: false, status: 402, error, message });

export function readPaymentHeader(req: Request): { x402Version: 1 | 2; value: string } | null {
  const v2 = req.headers.get("PAYMENT-SIGNATURE");
  if (v2) return { x402Version: 2, value: v2 };
  const v1 = req.headers.get("X-PAYMENT");
  if (v1) return { x402Version: 1, value: v1 };
  return null;
}

/** Looks an authorization up among the payments already claimed (the ledger). */
export type FindClaimed = (key: { network: string; asset: string; payer: string; nonce: string }) => Promise<unknown>;

/** A proof that passed every local check: decoded, shaped, matched against the agent's quote. */
export interface DecodedPayment {
  x402Version: 1 | 2;
  payload: PaymentPayload;
  requirements: PaymentRequirements;
  authorization: Eip3009Authorization;
}

/**
 * How much longer than the quote's maxTimeoutSeconds an authorization may stay valid: the payer's clock may
 * run ahead of ours. Longer-lived authorizations are refused: one that outlives its reply could be settled
 * (or reserved against the payer's balance) long after anyone remembers why.
 */
const CLOCK_SKEW_SECONDS = 60;

/** Decodes a proof and checks it against the agent's quote, without any network call. */
export function decodePaymentHeader(
  quote: AgentQuote,
  header: { x402Version: 1 | 2; value: string },
  nowSeconds = Math.floor(Date.now() / 1000),
): { ok: true; payment: DecodedPayment } | Extract<PaymentCheck, { ok: false }> {
  let payload: PaymentPayload;
  try {
    payload = decodePaymentSignatureHeader(header.value);
  } catch {
    return refuse("invalid_payment_header", "The payment header is not base64-encoded JSON.");
  }
  // The SDK's schema of the header's version; the SDK types every payload as v2, so v1's `network` is read from here.
  const envelope = (header.x402Version === 2 ? PaymentPayloadV2Schema : PaymentPayloadV1Schema).safeParse(payload);
  if (!envelope.success) {
    const name = header.x402Version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT";
    return refuse(
      "invalid_payment_header",
      `${name} must carry an x402 version ${header.x402Version} payload: ${formatZodError(envelope.error)}.`,
    );
  }
  const scheme = Eip3009PayloadSchema.safeParse(payload.payload);
  if (!scheme.success) {
    return refuse("invalid_payment_payload", "The payment is not an EIP-3009 authorization with a signature.");
  }
  const authorization = scheme.data.authorization;

  const requirements = header.x402Version === 2 ? quote.requirements : v1RequirementsOf(quote);
  if (envelope.data.x402Version === 1) {
    const v1Name = quote.network.x402V1Name;
    if (!v1Name || envelope.data.network !== v1Name) {
      return refuse(
        "unsupported_network",
        `x402 v1 cannot pay on ${quote.network.name}; send a v2 PAYMENT-SIGNATURE for ${quote.network.caip2}.`,
      );
    }
  } else {
    const mismatch = describeMismatch(quote.requirements, envelope.data.accepted);
    if (mismatch) return refuse("payment_mismatch", mismatch);
  }
  // The facilitator checks these too; saying it here gives the clearest reason.
  if (authorization.to.toLowerCase() !== quote.requirements.payTo.toLowerCase()) {
    return refuse("payment_mismatch", `The authorization pays ${authorization.to}, not this agent (${quote.requirements.payTo}).`);
  }
  if (BigInt(authorization.value) !== BigInt(quote.requirements.amount)) {
    return refuse(
      "payment_mismatch",
      `The authorization is for ${authorization.value} atomic units; this agent's price is ${quote.requirements.amount}.`,
    );
  }
  const longest = BigInt(nowSeconds + quote.requirements.maxTimeoutSeconds + CLOCK_SKEW_SECONDS);
  if (BigInt(authorization.validBefore) > longest) {
    return refuse(
      "authorization_validity_too_long",
      `The authorization stays valid until ${authorization.validBefore}; this agent accepts at most ${quote.requirements.maxTimeoutSeconds} s from now.`,
    );
  }
  return { ok: true, payment: { x402Version: header.x402Version, payload, requirements, authorization } };
}

/** Verifies a decoded proof through the facilitator. */
export async function verifyDecodedPayment(
  server: x402ResourceServer,
  quote: AgentQuote,
  decoded: DecodedPayment,
  findClaimed: FindClaimed,
): Promise<PaymentCheck> {
  const { payload, requirements, authorization } = decoded;
  let verdict: Awaited<ReturnType<x402ResourceServer["verifyPayment"]>>;
  try {
    verdict = await server.verifyPayment(payload, requirements);
  } catch (err) {
    return { ok: false, status: 503, error: "facilitator_unavailable", message: `The facilitator could not verify the payment: ${describeError(err)}` };
  }
  if (!verdict.isValid) {
    // A refused proof may be one we took before (its nonce is spent on chain): say that, not "invalid".
    // Looked up only here, so a new payment costs no extra query; a replay still in flight passes
    // verification and is stopped by the ledger's unique claim.
    const claimed = await findClaimed({
      network: quote.network.caip2,
      asset: quote.requirements.asset,
      payer: authorization.from,
      nonce: authorization.nonce,
    });
    if (claimed) {
      return { ok: false, status: 409, error: "payment_already_used", message: "This payment authorization was already used; sign a new one." };
    }
    const reason = verdict.invalidReason ?? "invalid_payment";
    return refuse(reason, `The facilitator rejected the payment: ${verdict.invalidMessage ?? reason}.`);
  }
  return { ok: true, payment: { ...decoded, payer: (verdict.payer ?? authorization.from).toLowerCase() } };
}

/** The first field of the accepted quote that differs from the agent's, in words; null when they match. */
export function describeMismatch(expected: PaymentRequirements, accepted: PaymentRequirementsV2): string | null {
  if (accepted.scheme !== expected.scheme) return `This agent takes the "${expected.scheme}" scheme, not "${accepted.scheme}".`;
  if (accepted.network !== expected.network) return `This agent is paid on ${expected.network}, not ${accepted.network}.`;
  if (accepted.asset.toLowerCase() !== expected.asset.toLowerCase()) return `This agent is paid in ${expected.asset}, not ${accepted.asset}.`;
  if (accepted.payTo.toLowerCase() !== expected.payTo.toLowerCase()) return `The payment is for ${accepted.payTo}, not this agent (${expected.payTo}).`;
  if (accepted.amount !== expected.amount) return `The payment accepts a price of ${accepted.amount}; this agent's price is ${expected.amount}.`;
  return null;
}

/** The same quote in v1's shape, for facilitators verifying a v1 payment. */
function v1RequirementsOf(quote: AgentQuote): PaymentRequirements {
  // Checked by the SDK's v1 schema and typed as what its verify takes (both versions, under its v2 type).
  return SdkPaymentRequirements.parse(v1Requirements(quote.requirements, quote.network, quote.resource));
}
