/**
 * Runs before every request (Next 16's proxy, formerly middleware): answers
 * only the configured hosts, and gives each response its Content Security
 * Policy with a fresh script nonce.
 */
import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, createNonce } from "@/lib/http/csp";
import { isHostAllowed, parseAllowedHosts, type AllowedHosts } from "@/lib/http/hosts";
import { jsonError } from "@/lib/http/json";
import { env } from "@/lib/env";
import { publicEnv } from "@/lib/public-env";
import { PROXY_PATH, RELAYED_CSP } from "@/lib/remote-agents/proxy-header";

const dev = process.env.NODE_ENV !== "production";
const walletConnect = Boolean(publicEnv.walletConnectProjectId);

let allowed: AllowedHosts | Error | undefined;
function allowedHosts(): AllowedHosts | Error {
  if (allowed === undefined) {
    try {
      allowed = parseAllowedHosts(env.ALLOWED_HOSTS, env.HOST);
    } catch (err) {
      allowed = err as Error;
      console.error(`[proxy] ${allowed.message}; every request is refused until it is fixed`);
    }
  }
  return allowed;
}

export function proxy(request: NextRequest) {
  const hosts = allowedHosts();
  if (hosts instanceof Error) {
    return withCsp(jsonError(500, "allowed_hosts_invalid", hosts.message));
  }
  if (!isHostAllowed(request.headers.get("host"), hosts)) {
    // 421 Misdirected Request: this server is not configured for that name (DNS rebinding lands here).
    return withCsp(jsonError(421, "host_not_allowed", "This app does not answer for that Host; list it in ALLOWED_HOSTS."));
  }

  // Every response gets a nonce, API ones too: an unknown path renders the HTML not-found page, which must hydrate.
  const policy = contentSecurityPolicy({ nonce: createNonce(), dev, walletConnect });
  const requestHeaders = new Headers(request.headers);
  // Next.js takes the nonce for its own scripts from the request's CSP header; this also overwrites any a client sent.
  requestHeaders.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", policy);
  // The proxy relays other sites' answers: sandboxed too (Next.js keeps this header over the route's own).
  if (request.nextUrl.pathname === PROXY_PATH) response.headers.append("content-security-policy", RELAYED_CSP);
  return response;
}

function withCsp(response: NextResponse): NextResponse {
  response.headers.set("content-security-policy", contentSecurityPolicy({ dev, walletConnect }));
  return response;
}

/**
 * Not the paid agent routes: they are open to every origin by CORS (a rebound Host reads nothing it could not
 * read anyway) and answer JSON or event streams (no script to give a nonce to; next.config.js gives them a
 * fixed `default-src 'none'` policy). Skipping this proxy there saves its CPU on every 402 and every paid reply.
 */
export const config = { matcher: ["/((?!api/x402/|agent/).*)"] };
