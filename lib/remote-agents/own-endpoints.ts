import "server-only";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { NETWORK_LIST } from "@/lib/chains/networks";
import { rpcUrlOf } from "@/lib/chains/rpc";
import { env } from "@/lib/env";
import { addressKind, canonicalAddress } from "./address-policy";
import type { DenyHook } from "./safe-fetch";

/**
 * This app's own endpoints, which a URL a user typed must not reach through
 * our server even where the outbound URL policy allows the address: the chain
 * RPCs the app uses (a local anvil answers anvil_setBalance to whoever reaches
 * it) and the app itself (its proxy, faucet and routes; a redirect back into
 * the proxy multiplies one request).
 */

export interface OwnEndpoint {
  /** What it is, for the error message. */
  what: string;
  /** Host name or address, lower case, without brackets or a trailing dot; "0.0.0.0" or "::" for every local address. */
  host: string;
  port: number;
}

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::"]);
const RESOLVED_FOR_MS = 30_000;

/** Every network's RPC as the server uses it (rpcUrlOf). */
export function chainRpcEndpoints(): OwnEndpoint[] {
  return NETWORK_LIST.flatMap((network) => endpointOf(rpcUrlOf(network), `the ${network.name} RPC this app uses`) ?? []);
}

/**
 * Where the app listens: HOST and PORT as scripts/start.ts passes them to `next start` (127.0.0.1 and 3000 when
 * unset), and the origin a request reached it at (a reverse proxy's public name, for one).
 */
export function appEndpoints(requestUrl?: string): OwnEndpoint[] {
  const listening = { what: "this app", host: normalizeHost(env.HOST), port: env.PORT };
  const reached = requestUrl ? endpointOf(requestUrl, "this app") : null;
  return reached ? [listening, reached] : [listening];
}

/**
 * A safeFetch deny hook: a hop is refused when its port is an endpoint's port and its host is that endpoint's
 * name, or its address is one the endpoint's host has. A name that resolves to public addresses is matched by
 * name only: behind shared hosting or a CDN, its address is also every other site's.
 */
export function denyEndpoints(endpoints: OwnEndpoint[]): DenyHook {
  return async ({ hostname, address, port }) => {
    for (const endpoint of endpoints) {
      if (endpoint.port !== port) continue;
      if (endpoint.host === hostname) return endpoint.what;
      if (WILDCARD_HOSTS.has(endpoint.host)) {
        if (isLocalAddress(address)) return `${endpoint.what} (it listens on every local address at port ${port})`;
      } else if ((await addressesOf(endpoint.host)).includes(canonicalAddress(address))) {
        return endpoint.what;
      }
    }
    return null;
  };
}

function endpointOf(url: string, what: string): OwnEndpoint | null {
  try {
    const parsed = new URL(url);
    const port = Number(parsed.port) || (parsed.protocol === "https:" ? 443 : parsed.protocol === "http:" ? 80 : 0);
    return port ? { what, host: normalizeHost(parsed.hostname), port } : null;
  } catch {
    return null;
  }
}

function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

/** Loopback, unspecified, or an address of one of this machine's interfaces. */
function isLocalAddress(address: string): boolean {
  const kind = addressKind(address);
  if (kind === "loopback" || kind === "unspecified") return true;
  const canonical = canonicalAddress(address);
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => canonicalAddress(i.address) === canonical));
}

const resolved = new Map<string, { until: number; addresses: Promise<string[]> }>();

/** The endpoint host's addresses worth comparing: the literal, or what the name resolves to unless that is public. */
function addressesOf(host: string): Promise<string[]> {
  if (isIP(host)) return Promise.resolve([canonicalAddress(host)]);
  const cached = resolved.get(host);
  if (cached && cached.until > Date.now()) return cached.addresses;
  const addresses = lookup(host, { all: true, verbatim: true }).then(
    (answers) => answers.filter((a) => addressKind(a.address) !== "public").map((a) => canonicalAddress(a.address)),
    () => [], // a name that does not resolve is still matched by name
  );
  resolved.set(host, { until: Date.now() + RESOLVED_FOR_MS, addresses });
  return addresses;
}
