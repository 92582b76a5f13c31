import "server-only";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { NextResponse } from "next/server";
import { z } from "zod";
import { readJsonBody } from "@/lib/http/body";
import { formatZodError, jsonError } from "@/lib/http/json";
import { guardFacilitatorRequest } from "./guard";
import { getLocalFacilitator } from "./index";
import { ChainUnreachableError } from "./local";

/**
 * The facilitator's HTTP API (x402 facilitator spec): POST /verify and
 * POST /settle take `{x402Version, paymentPayload, paymentRequirements}`;
 * GET /supported lists the kinds it serves. Deep validation of the payload is
 * the SDK's job; here we only refuse what is not even shaped like a request.
 */

const FacilitatorRequestSchema = z.object({
  x402Version: z.union([z.literal(1), z.literal(2)]),
  paymentPayload: z.object({ x402Version: z.number().int() }).passthrough(),
  paymentRequirements: z
    .object({ scheme: z.string().min(1), network: z.string().min(1) })
    .passthrough(),
});

type Operation = "verify" | "settle";

/** A payment payload and its requirements are a few kilobytes. */
const MAX_FACILITATOR_BODY_BYTES = 64 * 1024;

export async function handleFacilitatorRequest(req: Request, operation: Operation): Promise<Response> {
  const body = await readJsonBody(req, MAX_FACILITATOR_BODY_BYTES, { requireJsonType: true });
  if (!body.ok) return jsonError(body.status, body.code, `${body.message} Send {x402Version, paymentPayload, paymentRequirements}.`);
  const parsed = FacilitatorRequestSchema.safeParse(body.value);
  if (!parsed.success) {
    return jsonError(400, "invalid_request", `Invalid ${operation} request: ${formatZodError(parsed.error)}`);
  }
  const refusal = guardFacilitatorRequest(parsed.data, operation);
  if (refusal) {
    const res = jsonError(refusal.status, refusal.code, refusal.message);
    if (refusal.retryAfterMs) res.headers.set("Retry-After", String(Math.ceil(refusal.retryAfterMs / 1000)));
    return res;
  }
  const payload = parsed.data.paymentPayload as unknown as PaymentPayload;
  const requirements = parsed.data.paymentRequirements as unknown as PaymentRequirements;
  const facilitator = getLocalFacilitator();
  try {
    const result =
      operation === "verify" ? await facilitator.verify(payload, requirements) : await facilitator.settle(payload, requirements);
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
