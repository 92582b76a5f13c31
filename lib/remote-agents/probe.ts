import "server-only";
import { chainRpcEndpoints, denyEndpoints } from "@/lib/remote-agents/own-endpoints";
import { readText, safeFetch, SafeFetchError, type SafeFetchErrorCode, type SafeFetchOptions } from "@/lib/remote-agents/safe-fetch";
import { noQuote, parseQuote, type NormalizedQuote } from "./parse-quote";

/**
 * Asks a URL for its price without paying: the chat request an agent expects
 * (a GET where POST is not allowed), read into one quote. A URL that is
 * malformed or not allowed throws a SafeFetchError (bad_url, blocked_target);
 * one that answers badly or not at all is a quote with dialect "none" and the
 * reason.
 */

export interface ProbeResult {
  url: string;
  /** The HTTP status the URL answered with; null when it did not answer. */
  status: number | null;
  quote: NormalizedQuote;
}

export type ProbeLimits = Pick<SafeFetchOptions, "headersTimeoutMs" | "totalTimeoutMs" | "maxBodyBytes" | "policy" | "deny">;

const PROBE_LIMITS: ProbeLimits = { headersTimeoutMs: 10_000, totalTimeoutMs: 10_000, maxBodyBytes: 1_000_000 };
const PING = new TextEncoder().encode(JSON.stringify({ messages: [{ role: "user", content: "ping" }] }));

const NO_ANSWER: Partial<Record<SafeFetchErrorCode, string>> = {
  timeout: "the URL did not answer in time",
  too_large: "the URL's answer is too large to be a quote",
  unreachable: "the URL could not be reached",
  too_many_redirects: "the URL redirects too many times",
};

export async function probeUrl(url: string, limits: ProbeLimits = {}): Promise<ProbeResult> {
  // Never the chain RPC (a probe is a POST the URL's owner did not ask for). The app itself stays allowed: its
  // own agents' URLs can be pasted, a probe sends a fixed body and shows only a 402's quote, and the proxy and
  // the other state-changing routes refuse what a probe sends.
  const bounds = { ...PROBE_LIMITS, deny: denyEndpoints(chainRpcEndpoints()), ...limits };
  let status: number | null = null;
  try {
    let res = await safeFetch(url, {
      ...bounds,
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: PING,
    });
    if (res.status === 405) {
      await res.body.cancel();
      res = await safeFetch(url, { ...bounds, method: "GET", headers: { accept: "application/json" } });
    }
    status = res.status;
    // Only a 402's body can hold a quote.
    const bodyText = res.status === 402 ? await readText(res) : (await res.body.cancel(), "");
    const quote = parseQuote({ status, headers: res.headers, bodyText }, { url: res.url });
    const toolkits = status === 402 ? await discoveredToolkits(url, bounds) : null;
    return { url, status, quote: toolkits ? { ...quote, toolkits } : quote };
  } catch (err) {
    if (!(err instanceof SafeFetchError) || err.code === "bad_url" || err.code === "blocked_target") throw err;
    return { url, status, quote: noQuote(`${NO_ANSWER[err.code] ?? "the URL did not answer"}: ${err.message}`, url) };
  }
}

const MAX_TOOLKITS = 20;
/** The listing is optional: an origin that hangs on it must not double how long a probe can take. */
const DISCOVERY_TIMEOUT_MS = 2_000;

/**
 * The toolkits an agent offers, as its origin's x402 discovery (`/.well-known/x402`, the shape our own server
 * publishes) lists them for this URL: the chat offers them as choices. Null when there is no such listing; a
 * discovery that fails or says something else is no reason to refuse the agent.
 */
async function discoveredToolkits(url: string, bounds: ProbeLimits): Promise<string[] | null> {
  let wellKnown: string;
  try {
    wellKnown = new URL("/.well-known/x402", url).href;
  } catch {
    return null;
  }
  try {
    const timeout = Math.min(bounds.totalTimeoutMs ?? DISCOVERY_TIMEOUT_MS, DISCOVERY_TIMEOUT_MS);
    const res = await safeFetch(wellKnown, {
      ...bounds,
      headersTimeoutMs: timeout,
      totalTimeoutMs: timeout,
      method: "GET",
      headers: { accept: "application/json" },
      maxBodyBytes: 256_000,
    });
    if (res.status !== 200) {
      await res.body.cancel();
      return null;
    }
    const manifest = JSON.parse(await readText(res)) as { resources?: Array<{ resource?: unknown; toolkits?: unknown }> };
    // The origin's own manifest: its resources are matched by path (it may name its origin by another host name).
    const target = new URL(url);
    const entry = (Array.isArray(manifest.resources) ? manifest.resources : []).find((r) => {
      if (typeof r?.resource !== "string" || !URL.canParse(r.resource)) return false;
      const listed = new URL(r.resource);
      return listed.pathname === target.pathname && listed.search === target.search;
    });
    const toolkits = entry?.toolkits;
    if (!Array.isArray(toolkits)) return null;
    const names = toolkits.filter((t): t is string => typeof t === "string" && /^[a-z0-9_-]{1,50}$/i.test(t));
    return [...new Set(names)].slice(0, MAX_TOOLKITS);
  } catch {
    return null;
  }
}
