import "server-only";
import { jsonError } from "@/lib/http/json";
import { safeFetch, SafeFetchError, type SafeFetchErrorCode, type SafeFetchOptions } from "./safe-fetch";

/**
 * Calls a remote agent for the browser, which CORS would stop: the body and
 * the headers a paid chat needs go out, the answer streams back with the
 * headers a paying client reads. Nothing else crosses in either direction
 * (no cookies, no credentials, no server headers).
 */

const FORWARDED_REQUEST_HEADERS = ["content-type", "accept", "payment-signature", "x-payment"];
const RETURNED_RESPONSE_HEADERS = ["content-type", "payment-required", "payment-response", "x-payment-response", "cache-control"];
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

/** POST ?url=<target>: relays the request to `target` under the outbound URL policy. */
export async function relay(req: Request, limits: SafeFetchOptions = {}): Promise<Response> {
  const target = new URL(req.url).searchParams.get("url");
  if (!target) return jsonError(400, "bad_url", "Give the agent's URL as ?url=<encoded URL>.");
  const body = await readBytes(req, MAX_PROXY_REQUEST_BYTES);
  if (!body) return jsonError(413, "body_too_large", `The body is larger than ${MAX_PROXY_REQUEST_BYTES} bytes.`);

  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  try {
    const res = await safeFetch(target, { ...PROXY_LIMITS, ...limits, method: "POST", headers, body, signal: req.signal });
    if (res.status < 200 || res.status > 599) {
      await res.body.cancel();
      return jsonError(502, "bad_gateway", `The agent answered with an invalid HTTP status ${res.status}.`);
    }
    const returned = new Headers();
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

/** The whole request body, or null when it passes `maxBytes`. */
async function readBytes(req: Request, maxBytes: number): Promise<Uint8Array | null> {
  if (Number(req.headers.get("content-length") ?? 0) > maxBytes) return null;
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
