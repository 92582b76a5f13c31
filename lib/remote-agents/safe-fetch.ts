import "server-only";
import type { LookupAddress } from "node:dns";
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { Readable, Transform } from "node:stream";
import { streamChunks } from "@/lib/http/stream";
import { addressKind, isAllowed, urlPolicyFromEnv, type UrlPolicy } from "./address-policy";

/**
 * fetch for URLs a user typed: http(s) only, every hop's address checked
 * against the URL policy and then connected to (no second DNS answer can
 * sneak in), redirects followed by hand, time and size bounded.
 */

export type SafeFetchErrorCode = "bad_url" | "blocked_target" | "timeout" | "too_large" | "unreachable" | "too_many_redirects";

export class SafeFetchError extends Error {
  constructor(
    readonly code: SafeFetchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SafeFetchError";
  }
}

export interface SafeFetchOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Defaults to OUTBOUND_URL_POLICY (see urlPolicyFromEnv). */
  policy?: UrlPolicy;
  /**
   * Endpoints the policy allows but this caller must not reach (the app itself, its chain RPC): asked at every
   * hop, redirects included, for every address the host resolves to; a reason refuses the hop (blocked_target).
   */
  deny?: DenyHook;
  /** Until the response headers of each hop arrive, connecting included. */
  headersTimeoutMs?: number;
  /** The whole exchange: every hop and the whole body. */
  totalTimeoutMs?: number;
  /** Counted as the body streams. */
  maxBodyBytes?: number;
  maxRedirects?: number;
  /** The caller gave up (e.g. the browser disconnected). */
  signal?: AbortSignal;
}

export interface HopTarget {
  /** The URL's host name, lower case, without brackets or a trailing dot. */
  hostname: string;
  /** One address it resolved to (or the literal). */
  address: string;
  port: number;
}
export type DenyHook = (target: HopTarget) => string | null | Promise<string | null>;

export interface SafeResponse {
  /** The URL that answered, after redirects. */
  url: string;
  status: number;
  headers: Headers;
  /** Errors with a SafeFetchError (too_large, timeout) when a bound is crossed mid-stream. */
  body: ReadableStream<Uint8Array>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Proofs of payment are for the origin that quoted; a redirect elsewhere does not get them. */
const ORIGIN_BOUND_HEADERS = ["payment-signature", "x-payment", "authorization", "cookie"];

export function parseTargetUrl(input: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    throw new SafeFetchError("bad_url", `${JSON.stringify(input.slice(0, 200))} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SafeFetchError("bad_url", `only http and https URLs can be fetched, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new SafeFetchError("bad_url", "URLs with credentials are not allowed");
  return url;
}

export async function safeFetch(input: string, options: SafeFetchOptions = {}): Promise<SafeResponse> {
  const policy = options.policy ?? urlPolicyFromEnv();
  const maxRedirects = options.maxRedirects ?? 5;
  const maxBodyBytes = options.maxBodyBytes ?? 10_000_000;
  const totalTimeoutMs = options.totalTimeoutMs ?? 60_000;

  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new SafeFetchError("timeout", `no complete answer within ${totalTimeoutMs / 1000} s`)), totalTimeoutMs);
  const onCallerAbort = () => abort.abort(new SafeFetchError("unreachable", "the request was cancelled"));
  options.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const cleanup = () => {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onCallerAbort);
  };

  try {
    let url = parseTargetUrl(input);
    let method = (options.method ?? "GET").toUpperCase();
    let body = options.body;
    const headers = lowerCaseKeys(options.headers ?? {});
    for (let redirects = 0; ; redirects++) {
      const res = await send(url, { method, headers, body, policy, deny: options.deny, signal: abort.signal, headersTimeoutMs: options.headersTimeoutMs ?? 10_000 });
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode ?? 0) || !location) {
        if (Number(res.headers["content-length"] ?? 0) > maxBodyBytes) {
          res.destroy();
          throw tooLarge(maxBodyBytes);
        }
        return { url: url.href, status: res.statusCode ?? 502, headers: toHeaders(res), body: boundedBody(res, maxBodyBytes, abort.signal, cleanup) };
      }
      res.destroy();
      if (redirects >= maxRedirects) throw new SafeFetchError("too_many_redirects", `more than ${maxRedirects} redirects`);
      const next = parseTargetUrl(location, url);
      // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
      if (res.statusCode === 303 || (method === "POST" && (res.statusCode === 301 || res.statusCode === 302))) {
        method = "GET";
        body = undefined;
        delete headers["content-type"];
      }
      if (next.origin !== url.origin) for (const name of ORIGIN_BOUND_HEADERS) delete headers[name];
      url = next;
    }
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** Reads a response body to text within its bounds. */
export async function readText(res: SafeResponse): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of streamChunks(res.body)) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

interface Hop {
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
  policy: UrlPolicy;
  deny: DenyHook | undefined;
  signal: AbortSignal;
  headersTimeoutMs: number;
}

async function send(url: URL, hop: Hop): Promise<IncomingMessage> {
  const target = await resolveAllowed(url, hop.policy, hop.deny, hop.signal);
  // The address we checked is the one we connect to: a second DNS answer cannot rebind it.
  const pinned: LookupFunction = (_host, opts, callback) =>
    opts.all ? callback(null, [target]) : callback(null, target.address, target.family);
  if (hop.signal.aborted) throw hop.signal.reason;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = request(url, {
      method: hop.method,
      // Bodies are relayed as they come: ask for them unencoded.
      headers: { "accept-encoding": "identity", ...hop.headers },
      lookup: pinned,
      agent: false,
    });
    const fail = (err: unknown) => req.destroy(err instanceof Error ? err : new Error(String(err)));
    const onAbort = () => fail(hop.signal.reason);
    const timer = setTimeout(
      () => fail(new SafeFetchError("timeout", `${url.host} sent no answer within ${hop.headersTimeoutMs / 1000} s`)),
      hop.headersTimeoutMs,
    );
    const settle = () => {
      clearTimeout(timer);
      hop.signal.removeEventListener("abort", onAbort);
    };
    hop.signal.addEventListener("abort", onAbort, { once: true });
    req.on("response", (res) => (settle(), resolve(res)));
    req.on("error", (err) => (settle(), reject(asSafeError(err, url))));
    req.end(hop.body);
  });
}

async function resolveAllowed(url: URL, policy: UrlPolicy, deny: DenyHook | undefined, signal: AbortSignal): Promise<LookupAddress> {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: LookupAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await abortable(dnsLookup(host, { all: true, verbatim: true }), signal);
    } catch (err) {
      throw err instanceof SafeFetchError ? err : new SafeFetchError("unreachable", `${host} could not be resolved`);
    }
  }
  // Every answer must be allowed, or the connection could land on the one that is not.
  const refused = addresses.find((a) => !isAllowed(a.address, policy));
  if (refused) {
    const kind = addressKind(refused.address);
    throw new SafeFetchError(
      "blocked_target",
      `${url.host} is ${refused.address === host ? "" : `${refused.address}, `}a ${kind} address, which the outbound URL policy "${policy}" does not allow`,
    );
  }
  if (deny) {
    const target = { hostname: host.toLowerCase().replace(/\.$/, ""), port: Number(url.port) || (url.protocol === "https:" ? 443 : 80) };
    for (const { address } of addresses) {
      const reason = await abortable(Promise.resolve(deny({ ...target, address })), signal);
      if (reason) throw new SafeFetchError("blocked_target", `${url.host} is ${reason}, which cannot be reached from here`);
    }
  }
  if (!addresses[0]) throw new SafeFetchError("unreachable", `${host} has no address`);
  return addresses[0];
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function asSafeError(err: Error, url: URL): SafeFetchError {
  if (err instanceof SafeFetchError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new SafeFetchError("unreachable", `${url.host} is unreachable: ${code ?? err.message}`);
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function toHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      try {
        headers.append(name, one);
      } catch {
        // A header value fetch cannot carry is dropped rather than failing the response.
      }
    }
  }
  return headers;
}

const tooLarge = (maxBytes: number) => new SafeFetchError("too_large", `the answer is larger than ${maxBytes} bytes`);

/** The body as a web stream that errors once it passes `maxBytes` or the deadline. */
function boundedBody(res: IncomingMessage, maxBytes: number, signal: AbortSignal, cleanup: () => void): ReadableStream<Uint8Array> {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.byteLength;
      callback(size > maxBytes ? tooLarge(maxBytes) : null, chunk);
    },
  });
  const onAbort = () => counter.destroy(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  counter.once("close", () => {
    signal.removeEventListener("abort", onAbort);
    cleanup();
    res.destroy();
  });
  res.once("error", (err) => counter.destroy(new SafeFetchError("unreachable", `the answer was cut off: ${err.message}`)));
  const body = Readable.toWeb(counter) as ReadableStream<Uint8Array>;
  res.pipe(counter);
  return body;
}
