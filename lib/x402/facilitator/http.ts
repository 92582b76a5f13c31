import "server-only";
import { NextResponse } from "next/server";
import { z } from "zod";
import { readJsonBody } from "@/lib/http/body";
import { formatZodError, jsonError } from "@/lib/http/json";
import type { PaymentRequirements, SettleResponse, VerifyResponse } from "@x402/core/types";
import { SdkPaymentPayload, SdkPaymentRequirements } from "@/lib/x402/shared/sdk-input";
import { guardFacilitatorRequest, type KeyScope } from "./guard";
import { getLocalFacilitator } from "./index";
import { ChainUnreachableError } from "./local";

/**
 * The facilitator's HTTP API (x402 facilitator spec): POST /verify and
 * POST /settle take `{x402Version, paymentPayload, paymentRequirements}`;
 * GET /supported lists the kinds it serves. The request is checked with the
 * SDK's own schemas; what the scheme itself requires is the SDK's job.
 */

const FacilitatorRequestSchema = z.object({
  x402Version: z.union([z.literal(1), z.literal(2)]),
  paymentPayload: SdkPaymentPayload,
  paymentRequirements: SdkPaymentRequirements,
});

export type Operation = "verify" | "settle";

/** A payment payload and its requirements are a few kilobytes. */
const MAX_FACILITATOR_BODY_BYTES = 64 * 1024;

/** A request made with a facilitator API key (keys.ts): what the key reaches, and where its answers are counted. */
export interface KeyedRequest {
  scope: KeyScope;
  /** Called with each answer the facilitator gave; counting must not change the answer, so its failure is only logged. */
  onAnswer(operation: Operation, requirements: PaymentRequirements, result: VerifyResponse | SettleResponse): Promise<void>;
}

export async function handleFacilitatorRequest(req: Request, operation: Operation, keyed?: KeyedRequest): Promise<Response> {
  const body = await readJsonBody(req, MAX_FACILITATOR_BODY_BYTES, { requireJsonType: true });
  if (!body.ok) return jsonError(body.status, body.code, `${body.message} Send {x402Version, paymentPayload, paymentRequirements}.`);
  const parsed = FacilitatorRequestSchema.safeParse(body.value);
  if (!parsed.success) {
    return jsonError(400, "invalid_request", `Invalid ${operation} request: ${formatZodError(parsed.error)}`);
  }
  const refusal = guardFacilitatorRequest(parsed.data, operation, keyed?.scope);
  if (refusal) {
    const res = jsonError(refusal.status, refusal.code, refusal.message);
    if (refusal.retryAfterMs) res.headers.set("Retry-After", String(Math.ceil(refusal.retryAfterMs / 1000)));
    return res;
  }
  const { paymentPayload: payload, paymentRequirements: requirements } = parsed.data;
  const facilitator = getLocalFacilitator();
  try {
    const result =
      operation === "verify" ? await facilitator.verify(payload, requirements) : await facilitator.settle(payload, requirements);
    await keyed?.onAnswer(operation, requirements, result).catch((err: unknown) => console.error("facilitator: could not count a key's use", err));
    return NextResponse.json(result);
  } catch (err) {
    if (err instanceof ChainUnreachableError) return jsonError(503, "chain_unreachable", err.message);
    // The SDK throws for kinds it does not serve and for malformed payloads.
    return jsonError(400, `${operation}_failed`, (err as Error).message);
  }
}

export function handleFacilitatorSupported(): Response {
  return NextResponse.json(getLocalFacilitator().getSupported());
}
