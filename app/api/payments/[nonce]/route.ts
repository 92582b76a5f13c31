import { NextResponse } from "next/server";
import { readJsonBody } from "@/lib/http/body";
import { formatZodError, jsonError } from "@/lib/http/json";
import { RateLimiter } from "@/lib/http/rate-limit";
import { getLedger } from "@/lib/ledger";
import { lookUpPayment, readKeptReply } from "@/lib/x402/server/reply-store";
import { NONCE, PaymentLookup, ReplyAccessBody } from "./schema";

export const dynamic = "force-dynamic";

// Each POST checks a signature: a bound per payer keeps a flood of them cheap.
const perPayer = new RateLimiter(60_000, 30);

/** GET ?network&asset&payer: what this server's ledger says of a payment (status, transaction), no reply. */
export async function GET(req: Request, ctx: { params: Promise<{ nonce: string }> }) {
  const { nonce } = await ctx.params;
  if (!NONCE.test(nonce)) return jsonError(400, "invalid_request", "nonce: must be a 0x 32-byte hex nonce");
  const query = PaymentLookup.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!query.success) return jsonError(400, "invalid_request", formatZodError(query.error));
  const payment = await lookUpPayment(await getLedger(), { ...query.data, nonce });
  if (!payment) return jsonError(404, "unknown_payment", "This server has no payment with that authorization.");
  return NextResponse.json(payment, { headers: { "Cache-Control": "no-store" } });
}

/** POST {network, asset, payer, expires, signature}: the payment and its kept reply, for its payer only. */
export async function POST(req: Request, ctx: { params: Promise<{ nonce: string }> }) {
  const { nonce } = await ctx.params;
  if (!NONCE.test(nonce)) return jsonError(400, "invalid_request", "nonce: must be a 0x 32-byte hex nonce");
  const json = await readJsonBody(req, 4_096, { requireJsonType: true });
  if (!json.ok) return jsonError(json.status, json.code, json.message);
  const body = ReplyAccessBody.safeParse(json.value);
  if (!body.success) return jsonError(400, "invalid_request", formatZodError(body.error));
  const slot = perPayer.take(body.data.payer.toLowerCase());
  if (!slot.ok) return jsonError(429, "rate_limited", "Too many reply requests for this payer; try again shortly.", undefined, { "Retry-After": String(Math.ceil(slot.retryAfterMs / 1000)) });
  const access = await readKeptReply(await getLedger(), nonce, body.data);
  if (!access.ok) return jsonError(access.status, access.code, access.message);
  return NextResponse.json(access.payment, { headers: { "Cache-Control": "no-store" } });
}
