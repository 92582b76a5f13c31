import type { ErrorCode } from "@/lib/errors";
import { jsonError } from "@/lib/http/json";

/**
 * CORS for paying clients on other origins: they must read the quote and the
 * receipt headers and send the payment headers.
 */
export const corsHeaders: Record<string, string> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE",
};

export function corsPreflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders,
      "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
      "Access-Control-Allow-Headers":
        "Content-Type, Accept, PAYMENT-SIGNATURE, X-PAYMENT, Access-Control-Expose-Headers",
      "Access-Control-Max-Age": "600",
    },
  });
}

/** The shared JSON error, with the CORS headers cross-origin paying clients need to read it. */
export function paidRouteError(status: number, code: ErrorCode, message: string, extra?: Record<string, unknown>): Response {
  return jsonError(status, code, message, extra, corsHeaders);
}
