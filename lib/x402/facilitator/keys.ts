import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { NextResponse } from "next/server";
import type { Hex } from "viem";
import { networkByX402Id } from "@/lib/chains/networks";
import { publicClientOf } from "@/lib/chains/rpc";
import { jsonError } from "@/lib/http/json";
import { RateLimiter } from "@/lib/http/rate-limit";
import { getLedger } from "@/lib/ledger";
import type { FacilitatorKeyRow } from "@/lib/ledger/facilitator-keys";
import { handleFacilitatorRequest, type Operation } from "./http";
import { getLocalFacilitator } from "./index";

/**
 * Our facilitator as a service for other sellers (AurraCloud's shape): a seller's x402 middleware takes
 * `<origin>/api/facilitator/<apiKey>` as its facilitator URL, and the key decides what it reaches.
 *
 * A key reaches exactly one payee, its owner's address, the one they proved by signing in (sign-in-with-x): a
 * key lets a seller spend our gas on payments to themselves, never on payments to anyone else, and an address
 * list on the key would need a proof of control per address for no use we have yet.
 *
 * Keys are 32 random bytes, kept as their SHA-256. A slow password hash (scrypt, argon2) protects guessable
 * secrets from a stolen table; a 256-bit random key cannot be guessed from its hash at any speed, and a plain
 * hash lets a request find its key by one indexed lookup.
 */

export const API_KEY_PREFIX = "x402fk_";
/** The prefix and 43 base64url characters; anything longer is not one of ours and is not hashed. */
const MAX_API_KEY_LENGTH = 64;
export const DEFAULT_KEY_RATE_PER_MINUTE = 120;

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function generateApiKey(): { key: string; keyHash: string; keyPrefix: string } {
  const key = API_KEY_PREFIX + randomBytes(32).toString("base64url");
  return { key, keyHash: hashSecret(key), keyPrefix: key.slice(0, API_KEY_PREFIX.length + 6) };
}

/** One limiter per rate in use: a key's requests are counted against its own rate. */
const limiters = new Map<number, RateLimiter>();
function limiterFor(rate: number): RateLimiter {
  let limiter = limiters.get(rate);
  if (!limiter) limiters.set(rate, (limiter = new RateLimiter(60_000, rate)));
  return limiter;
}

/** The key of a request, or the response that refuses it. */
async function usableKey(apiKey: string): Promise<{ ok: true; key: FacilitatorKeyRow } | { ok: false; res: Response }> {
  const unknown = { ok: false as const, res: jsonError(401, "unknown_api_key", "This facilitator URL names no API key of ours: create one at /facilitator.") };
  if (!apiKey.startsWith(API_KEY_PREFIX) || apiKey.length > MAX_API_KEY_LENGTH) return unknown;
  let key: FacilitatorKeyRow | undefined;
  try {
    key = await (await getLedger()).facilitatorKeys().byHash(hashSecret(apiKey));
  } catch (err) {
    console.error("facilitator: could not read API keys", err);
    return { ok: false, res: jsonError(503, "ledger_unavailable", "The facilitator cannot read its API keys right now; try again.") };
  }
  if (!key) return unknown;
  if (key.revokedAt) return { ok: false, res: jsonError(403, "api_key_revoked", "This API key was revoked by its owner.") };
  return { ok: true, key };
}

/** POST /api/facilitator/<apiKey>/verify and /settle. */
export async function handleKeyedFacilitatorRequest(req: Request, apiKey: string, operation: Operation): Promise<Response> {
  const found = await usableKey(apiKey);
  if (!found.ok) return found.res;
  const { key } = found;
  const taken = limiterFor(key.ratePerMinute).take(key.id);
  if (!taken.ok) {
    const seconds = Math.ceil(taken.retryAfterMs / 1000);
    return jsonError(429, "rate_limited", `This API key allows ${key.ratePerMinute} requests a minute. Try again in ${seconds} s.`, undefined, { "Retry-After": String(seconds) });
  }
  const store = (await getLedger()).facilitatorKeys();
  return handleFacilitatorRequest(req, operation, {
    scope: { payees: new Set([key.owner]), networks: key.networks },
    async onAnswer(op, requirements, result) {
      if (op === "verify") return store.recordUse(key.id, { verification: true });
      const settled = result as { success: boolean; transaction?: string };
      if (!settled.success || !settled.transaction) return store.recordUse(key.id, {});
      await store.recordUse(key.id, { settlement: { volume: BigInt(requirements.amount ?? (requirements as { maxAmountRequired?: string }).maxAmountRequired ?? 0), gasWei: await gasPaid(requirements.network, settled.transaction as Hex) } });
    },
  });
}

/** What the facilitator's key paid for a settlement's transaction (already mined: settle waited for it). */
async function gasPaid(x402Network: string, hash: Hex): Promise<bigint> {
  const network = networkByX402Id(x402Network);
  if (!network) return 0n;
  const receipt = await publicClientOf(network).getTransactionReceipt({ hash });
  return receipt.gasUsed * receipt.effectiveGasPrice;
}

/** GET /api/facilitator/<apiKey>/supported: the exact payments of the key's networks, which is all it may send. */
export async function handleKeyedSupported(apiKey: string): Promise<Response> {
  const found = await usableKey(apiKey);
  if (!found.ok) return found.res;
  const { networks } = found.key;
  const supported = getLocalFacilitator().getSupported();
  return NextResponse.json({
    ...supported,
    kinds: supported.kinds.filter((kind) => {
      const caip2 = networkByX402Id(kind.network)?.caip2;
      return kind.scheme === "exact" && caip2 !== undefined && (!networks || networks.includes(caip2));
    }),
  });
}
