import { PaymentPayloadSchema, PaymentRequirementsSchema } from "@x402/core/schemas";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { z } from "zod";

/**
 * What the SDK's verify and settle take. They carry payloads and requirements of either x402 version under the
 * SDK's v2 types and dispatch on x402Version, so a v1 object has no type of its own there. These check a value
 * with the SDK's own schema (v1 or v2) and type what passes as what the SDK takes; the value passes unchanged.
 */
function checkedBy<T>(schema: z.ZodTypeAny): z.ZodType<T> {
  return z.custom<T>().superRefine((value, ctx) => {
    const result = schema.safeParse(value);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue(issue);
  });
}

export const SdkPaymentPayload = checkedBy<PaymentPayload>(PaymentPayloadSchema);
export const SdkPaymentRequirements = checkedBy<PaymentRequirements>(PaymentRequirementsSchema);
