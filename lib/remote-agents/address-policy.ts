import "server-only";
import { BlockList, isIP } from "node:net";
import { env } from "@/lib/env";

/**
 * Which IP addresses an outbound request to a user-supplied URL may reach.
 * OUTBOUND_URL_POLICY: `public` (public addresses only), `loopback` (public +
 * loopback, so local agents work in local dev), `private` (public + loopback +
 * private ranges). Unset, it is `loopback` while the app listens on loopback
 * only (HOST, 127.0.0.1 by default as scripts/start.ts starts it) and `public`
 * once HOST exposes it. Link-local (cloud metadata), unspecified, multicast
 * and reserved addresses are refused under every policy.
 */

export type UrlPolicy = "public" | "loopback" | "private";
export type AddressKind = "public" | "loopback" | "private" | "link-local" | "unspecified" | "multicast" | "reserved";

const POLICIES: Record<UrlPolicy, ReadonlySet<AddressKind>> = {
  public: new Set(["public"]),
  loopback: new Set(["public", "loopback"]),
  private: new Set(["public", "loopback", "private"]),
};

export function urlPolicyFromEnv(value: string | undefined = env.OUTBOUND_URL_POLICY, host: string | undefined = env.HOST): UrlPolicy {
  const policy = value?.trim().toLowerCase() || (isLoopbackHost(host) ? "loopback" : "public");
  if (policy in POLICIES) return policy as UrlPolicy;
  throw new Error(`OUTBOUND_URL_POLICY must be public, loopback or private, not ${JSON.stringify(value)}`);
}

/** Whether the app's bind address (HOST; unset is scripts/start.ts's 127.0.0.1) takes connections from loopback only. */
export function isLoopbackHost(host: string | undefined): boolean {
  const name = host?.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  return isIP(name) !== 0 && addressKind(name) === "loopback";
}

function ranges(v4: string[], v6: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of v4) list.addSubnet(cidr.split("/")[0]!, Number(cidr.split("/")[1]), "ipv4");
  for (const cidr of v6) list.addSubnet(cidr.split("/")[0]!, Number(cidr.split("/")[1]), "ipv6");
  return list;
}

// BlockList matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against the IPv4 ranges too.
const KINDS: Array<[Exclude<AddressKind, "public">, BlockList]> = [
  ["unspecified", ranges(["0.0.0.0/32"], ["::/128"])],
  ["loopback", ranges(["127.0.0.0/8"], ["::1/128"])],
  ["link-local", ranges(["169.254.0.0/16"], ["fe80::/10"])],
  ["private", ranges(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "198.18.0.0/15"], ["fc00::/7", "fec0::/10"])],
  ["multicast", ranges(["224.0.0.0/4"], ["ff00::/8"])],
  // "This network", the old class E and broadcast, IETF protocol assignments.
  ["reserved", ranges(["0.0.0.0/8", "240.0.0.0/4", "192.0.0.0/24"], ["100::/64"])],
];

// IPv6 ranges whose last 32 bits (or, for 6to4, bits 16 to 48) are an IPv4 address that the packet ends up at:
// NAT64 (RFC 6052), IPv4-compatible (deprecated, RFC 4291) and 6to4 (RFC 3056).
const NAT64 = ranges([], ["64:ff9b::/96"]);
const IPV4_COMPATIBLE = ranges([], ["::/96"]);
const SIX_TO_FOUR = ranges([], ["2002::/16"]);

export function addressKind(address: string): AddressKind {
  const family = isIP(address);
  if (family === 0) return "reserved";
  const type = family === 4 ? "ipv4" : "ipv6";
  const carried = embeddedIPv4(address);
  if (carried) return addressKind(carried);
  return KINDS.find(([, list]) => list.check(address, type))?.[0] ?? "public";
}

/** The IPv4 address a NAT64, IPv4-compatible or 6to4 IPv6 address carries, else null. */
export function embeddedIPv4(address: string): string | null {
  if (isIP(address) !== 6) return null;
  let offset: number;
  if (NAT64.check(address, "ipv6") || IPV4_COMPATIBLE.check(address, "ipv6")) offset = 12;
  else if (SIX_TO_FOUR.check(address, "ipv6")) offset = 2;
  else return null;
  const ipv4 = ipv6Bytes(address).slice(offset, offset + 4).join(".");
  // :: and ::1 are themselves, not IPv4-compatible forms of 0.0.0.0 and 0.0.0.1.
  return offset === 12 && (ipv4 === "0.0.0.0" || ipv4 === "0.0.0.1") && IPV4_COMPATIBLE.check(address, "ipv6") ? null : ipv4;
}

const MAPPED = ranges([], ["::ffff:0:0/96"]);

/** One spelling per address, to compare two: IPv4 for IPv4 and any IPv6 form that carries one, else compressed IPv6. */
export function canonicalAddress(address: string): string {
  const family = isIP(address);
  if (family !== 6) return address;
  if (MAPPED.check(address, "ipv6")) return ipv6Bytes(address).slice(12).join(".");
  const carried = embeddedIPv4(address);
  if (carried) return carried;
  return new URL(`http://[${address.split("%")[0]}]`).hostname.slice(1, -1);
}

/** The 16 bytes of a valid IPv6 address (zone dropped, an embedded dotted quad allowed). */
function ipv6Bytes(address: string): number[] {
  let text = address.split("%")[0]!.toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(":") : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}

export function isAllowed(address: string, policy: UrlPolicy): boolean {
  return POLICIES[policy].has(addressKind(address));
}
