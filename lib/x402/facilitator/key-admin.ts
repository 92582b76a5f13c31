import "server-only";
import { randomBytes } from "node:crypto";
import { SIWxPayloadSchema, validateSIWxMessage, verifySIWxSignature, type CompleteSIWxInfo } from "@x402/extensions/sign-in-with-x";
import { NextResponse } from "next/server";
import { z } from "zod";
import { readJsonBody } from "@/lib/http/body";
import { formatZodError, jsonError } from "@/lib/http/json";
import { isCrossSiteRequest } from "@/lib/http/origin";
import { RateLimiter } from "@/lib/http/rate-limit";
import { resourceUrlOf } from "@/lib/x402/server/gate";
import { getLedger } from "@/lib/ledger";
import { keyView, type FacilitatorKeyStore } from "@/lib/ledger/facilitator-keys";
import { DEFAULT_KEY_RATE_PER_MINUTE, generateApiKey, hashSecret } from "./keys";
import { facilitatorNetworks } from "./local";

/**
 * The /facilitator page's API: a seller signs in with their wallet (sign-in-with-x: the server issues a nonce,
 * the wallet signs the SIWE message built from it, the server checks it and sets an httpOnly session cookie),
 * then creates, lists and revokes their API keys. Every route here acts on the cookie, so requests from other
 * sites are refused, and a key's row (with its usage) is only ever read for its owner's session.
 */

export const SESSION_COOKIE = "x402_facilitator_session";
const SESSION_MS = 12 * 60 * 60 * 1000;
/** A challenge is signed right away, or never. */
const NONCE_MS = 5 * 60 * 1000;
const MAX_BODY_BYTES = 8 * 1024;
const MAX_ACTIVE_KEYS = 20;
/** Challenges write a row each: bounded for the whole process, far above what people signing in need. */
const challengeLimiter = new RateLimiter(60_000, 600);

const STATEMENT = "Sign in to manage your x402 Chat facilitator API keys.";

type Session = { address: string; tokenHash: string; store: FacilitatorKeyStore };

function crossSite(req: Request): Response | null {
  return isCrossSiteRequest(req) ? jsonError(403, "cross_site", "The facilitator's key management serves this app's own pages only.") : null;
}

/** The page's own URL as the browser addressed it (Host, not the server's own URL), which the signed message names (SIWE's domain and uri). */
function pageUrl(req: Request): URL {
  return new URL("/facilitator", resourceUrlOf(req));
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sessionCookie(req: Request, token: string, maxAgeSeconds: number): string {
  const secure = new URL(resourceUrlOf(req)).protocol === "https:" ? "; Secure" : "";
  return `${SESSION_COOKIE}=${token}; Path=/api/facilitator/keys; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

async function session(req: Request): Promise<Session | null> {
  const token = readCookie(req, SESSION_COOKIE);
  // Our tokens are 43 characters; anything else is not looked up.
  if (!token || token.length > 64) return null;
  const store = (await getLedger()).facilitatorKeys();
  const tokenHash = hashSecret(token);
  const address = await store.sessionAddress(tokenHash);
  return address ? { address, tokenHash, store } : null;
}

const notSignedIn = () => jsonError(401, "not_signed_in", "Sign in with your wallet first.");

/** Runs a cookie route: refuses other sites, and reports a ledger outage as one. */
async function cookieRoute(req: Request, run: () => Promise<Response>): Promise<Response> {
  const refused = crossSite(req);
  if (refused) return refused;
  try {
    return await run();
  } catch (err) {
    console.error("facilitator keys: ledger failed", err);
    return jsonError(503, "ledger_unavailable", "The ledger is unavailable right now; try again.");
  }
}

const ChallengeRequest = z.object({ chainId: z.number().int().positive().max(2 ** 53 - 1) }).strict();

/** POST /api/facilitator/keys/session/challenge `{chainId}` → `{info}`: the SIWx fields to sign, with a fresh nonce. */
export function handleChallenge(req: Request): Promise<Response> {
  return cookieRoute(req, async () => {
    const body = await readJsonBody(req, MAX_BODY_BYTES, { requireJsonType: true });
    if (!body.ok) return jsonError(body.status, body.code, body.message);
    const parsed = ChallengeRequest.safeParse(body.value);
    if (!parsed.success) return jsonError(400, "invalid_request", formatZodError(parsed.error));
    const taken = challengeLimiter.take("all");
    if (!taken.ok) return jsonError(429, "rate_limited", "Too many sign-ins right now; try again in a minute.");
    const url = pageUrl(req);
    const now = Date.now();
    const info: CompleteSIWxInfo = {
      domain: url.host,
      uri: url.href,
      statement: STATEMENT,
      version: "1",
      nonce: randomBytes(16).toString("hex"),
      issuedAt: new Date(now).toISOString(),
      expirationTime: new Date(now + NONCE_MS).toISOString(),
      chainId: `eip155:${parsed.data.chainId}`,
      type: "eip191",
    };
    await (await getLedger()).facilitatorKeys().addNonce(info.nonce, new Date(now + NONCE_MS));
    return NextResponse.json({ info });
  });
}

/** POST /api/facilitator/keys/session: the signed SIWx payload → the session cookie and `{address}`. */
export function handleSignIn(req: Request): Promise<Response> {
  return cookieRoute(req, async () => {
    const body = await readJsonBody(req, MAX_BODY_BYTES, { requireJsonType: true });
    if (!body.ok) return jsonError(body.status, body.code, body.message);
    const parsed = SIWxPayloadSchema.safeParse(body.value);
    if (!parsed.success) return jsonError(400, "invalid_request", formatZodError(parsed.error));
    const payload = parsed.data;
    const url = pageUrl(req);
    if (!payload.chainId.startsWith("eip155:") || payload.uri !== url.href || payload.statement !== STATEMENT) {
      return jsonError(401, "sign_in_failed", "This is not a sign-in message of this page.");
    }
    const store = (await getLedger()).facilitatorKeys();
    // The signature first: a forged payload must not use up someone's nonce.
    const verified = await verifySIWxSignature(payload);
    if (!verified.isValid) return jsonError(401, "sign_in_failed", `The signature does not hold: ${verified.invalidMessage}`);
    const valid = await validateSIWxMessage(payload, url, { maxAge: NONCE_MS, checkNonce: (nonce) => store.takeNonce(nonce) });
    if (!valid.isValid) return jsonError(401, "sign_in_failed", `The sign-in message was refused: ${valid.invalidMessage}`);
    const token = randomBytes(32).toString("base64url");
    await store.addSession(hashSecret(token), verified.payer, new Date(Date.now() + SESSION_MS));
    const res = NextResponse.json({ address: verified.payer.toLowerCase() });
    res.headers.append("Set-Cookie", sessionCookie(req, token, SESSION_MS / 1000));
    return res;
  });
}

/** GET /api/facilitator/keys/session → `{address}` of the signed-in seller, or null. */
export function handleSessionStatus(req: Request): Promise<Response> {
  return cookieRoute(req, async () => NextResponse.json({ address: (await session(req))?.address ?? null }));
}

/** DELETE /api/facilitator/keys/session: signs out. */
export function handleSignOut(req: Request): Promise<Response> {
  return cookieRoute(req, async () => {
    const s = await session(req);
    if (s) await s.store.endSession(s.tokenHash);
    const res = NextResponse.json({ address: null });
    res.headers.append("Set-Cookie", sessionCookie(req, "", 0));
    return res;
  });
}

/** GET /api/facilitator/keys → the signed-in seller's keys with their usage. */
export function handleListKeys(req: Request): Promise<Response> {
  return cookieRoute(req, async () => {
    const s = await session(req);
    if (!s) return notSignedIn();
    const rows = await s.store.listByOwner(s.address);
    return NextResponse.json({ address: s.address, keys: rows.map(keyView) });
  });
}

const CreateKeyRequest = z
  .object({
    name: z.string().trim().min(1).max(60),
    /** CAIP-2 ids; omitted or null: every network the facilitator serves. */
    networks: z.array(z.string().max(40)).min(1).max(10).nullable().optional(),
    ratePerMinute: z.number().int().min(1).max(600).optional(),
  })
  .strict();

/** POST /api/facilitator/keys `{name, networks?, ratePerMinute?}` → the new key, shown this once, and its facilitator URL. */
export function handleCreateKey(req: Request): Promise<Response> {
  return cookieRoute(req, async () => {
    const s = await session(req);
    if (!s) return notSignedIn();
    const body = await readJsonBody(req, MAX_BODY_BYTES, { requireJsonType: true });
    if (!body.ok) return jsonError(body.status, body.code, body.message);
    const parsed = CreateKeyRequest.safeParse(body.value);
    if (!parsed.success) return jsonError(400, "invalid_request", formatZodError(parsed.error));
    const served = new Set<string>(facilitatorNetworks().map((n) => n.caip2));
    const unserved = parsed.data.networks?.find((n) => !served.has(n));
    if (unserved) return jsonError(400, "unknown_network", `This facilitator does not serve ${unserved}; it serves ${[...served].join(", ")}.`);
    if ((await s.store.countActive(s.address)) >= MAX_ACTIVE_KEYS) {
      return jsonError(409, "too_many_keys", `At most ${MAX_ACTIVE_KEYS} keys at once: revoke one first.`);
    }
    const { key, keyHash, keyPrefix } = generateApiKey();
    const row = await s.store.create({
      owner: s.address,
      name: parsed.data.name,
      keyHash,
      keyPrefix,
      networks: parsed.data.networks ? [...new Set(parsed.data.networks)] : null,
      ratePerMinute: parsed.data.ratePerMinute ?? DEFAULT_KEY_RATE_PER_MINUTE,
    });
    const facilitatorUrl = new URL(`/api/facilitator/${key}`, resourceUrlOf(req)).href;
    return NextResponse.json({ key, facilitatorUrl, apiKey: keyView(row) }, { status: 201 });
  });
}

/** DELETE /api/facilitator/keys/<id>: revokes one of the signed-in seller's keys. */
export function handleRevokeKey(req: Request, id: string): Promise<Response> {
  return cookieRoute(req, async () => {
    const s = await session(req);
    if (!s) return notSignedIn();
    // Not a uuid: not a key of anyone's (and Postgres would refuse the comparison).
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
    if (!isUuid || !(await s.store.revoke(s.address, id))) return jsonError(404, "unknown_key", "You have no active key with this id.");
    return NextResponse.json({ revoked: id });
  });
}
