import "server-only";
import { readBodyBytes } from "@/lib/http/body";
import { jsonError } from "@/lib/http/json";
import { isCrossSiteRequest } from "@/lib/http/origin";
import { appEndpoints, chainRpcEndpoints, denyEndpoints } from "./own-endpoints";
import { PROXY_CLIENT_HEADER, RELAYED_CSP } from "./proxy-header";
import { safeFetch, SafeFetchError, type SafeFetchErrorCode, type SafeFetchOptions } from "./safe-fetch";

/**
 * Calls a remote agent for the browser, which CORS would stop: the body and
 * the headers a paid chat needs go out, the answer streams back with the
 * headers a paying client reads. Nothing else crosses in either direction
 * (no cookies, no credentials, no server headers).
 *
 * What comes back is served from our origin, so it must never become a page
 * of it: only this app's own scripts may call (same origin, plus a header a
 * form cannot send), only the types a chat client reads are relayed as such,
 * anything else is a download, and all of it is sandboxed. It never reaches
 * the app itself or the chain RPC the app uses, redirects included.
 */

// x-payment-network: the network of a transfer proven by its hash (Atelier's pay-then-prove).
const FORWARDED_REQUEST_HEADERS = ["content-type", "accept", "payment-signature", "x-payment", "x-payment-network"];
const RETURNED_RESPONSE_HEADERS = ["payment-required", "payment-response", "x-payment-response", "cache-control", "x-vercel-ai-ui-message-stream"];
/** JSON replies and quotes, SSE (the AI SDK UI message stream too), plain text replies. */
const RELAYED_TYPES = new Set(["application/json", "text/event-stream", "text/plain"]);
/** On every relayed answer: nothing in it runs, loads or is embedded elsewhere as ours, whatever a browser makes of it. */
const RELAYED_SAFETY_HEADERS = {
  "content-security-policy": RELAYED_CSP,
  "x-content-type-options": "nosniff",
  "cross-origin-resource-policy": "same-origin",
};
export const MAX_PROXY_REQUEST_BYTES = 2_000_000;
const PROXY_LIMITS: SafeFetchOptions = { headersTimeoutMs: 10_000, totalTimeoutMs: 60_000, maxBodyBytes: 10_000_000 };

const STATUS_OF: Record<SafeFetchErrorCode, number> = {
  bad_url: 400,
  blocked_target: 403,
  timeout: 504,
  unreachable: 502,
  too_many_redirects: 502,
  too_large: 502,
};
/** Statuses whose response must not have a body. */
const NO_BODY = new Set([204, 205, 304]);

/**
 * POST ?url=<target>: relays the request to `target` under the outbound URL policy. GET is relayed as a GET, with
 * no body: how the official x402 client probes a quote and sends a tab's cooperative refund.
 */
export async function relay(req: Request, limits: SafeFetchOptions = {}): Promise<Response> {
  if (isCrossSiteRequest(req)) return jsonError(403, "cross_site", "The proxy serves this app's own pages only.");
  if (req.headers.get(PROXY_CLIENT_HEADER.name) !== PROXY_CLIENT_HEADER.value) {
    return jsonError(403, "client_header_required", `The proxy serves this app's chat only, which sends ${PROXY_CLIENT_HEADER.name}: ${PROXY_CLIENT_HEADER.value}.`);
  }
  const target = new URL(req.url).searchParams.get("url");
  if (!target) return jsonError(400, "bad_url", "Give the agent's URL as ?url=<encoded URL>.");
  const get = req.method === "GET";
  const read = get ? null : await readBodyBytes(req, MAX_PROXY_REQUEST_BYTES);
  if (read && !read.ok) return jsonError(read.status, read.code, read.message);
  const body = read?.bytes;

  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  try {
    const deny = denyEndpoints([...chainRpcEndpoints(), ...appEndpoints(req.url)]);
    const res = await safeFetch(target, { ...PROXY_LIMITS, deny, ...limits, method: get ? "GET" : "POST", headers, body, signal: req.signal });
    if (res.status < 200 || res.status > 599) {
      await res.body.cancel();
      return jsonError(502, "bad_gateway", `The agent answered with an invalid HTTP status ${res.status}.`);
    }
    const returned = new Headers({ ...RELAYED_SAFETY_HEADERS, ...relayedType(res.headers.get("content-type")) });
    for (const name of RETURNED_RESPONSE_HEADERS) {
      const value = res.headers.get(name);
      if (value !== null) returned.set(name, value);
    }
    if (NO_BODY.has(res.status)) await res.body.cancel();
    return new Response(NO_BODY.has(res.status) ? null : res.body, { status: res.status, headers: returned });
  } catch (err) {
    if (err instanceof SafeFetchError) return jsonError(STATUS_OF[err.code], err.code, err.message);
    throw err;
  }
}

/** The answer's type when a chat client reads it (its charset kept), else a download. */
function relayedType(contentType: string | null): Record<string, string> {
  // Several values (joined by commas) could let a browser pick another type than the one checked here.
  const [media, ...params] = contentType && !contentType.includes(",") ? contentType.split(";") : [""];
  const type = media!.trim().toLowerCase();
  if (!RELAYED_TYPES.has(type)) return { "content-type": "application/octet-stream", "content-disposition": "attachment" };
  const charset = params.map((p) => /^\s*charset\s*=\s*"?([\w.:-]+)"?\s*$/i.exec(p)?.[1]).find(Boolean);
  return { "content-type": charset ? `${type}; charset=${charset}` : type };
}
