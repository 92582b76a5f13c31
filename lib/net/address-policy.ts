import "server-only";
import { BlockList, isIP } from "node:net";

/**
 * Which IP addresses an outbound request to a user-supplied URL may reach.
 * OUTBOUND_URL_POLICY: `public` (public addresses only), `loopback` (public +
 * loopback, the default so local agents work in local dev), `private` (public
 * + loopback + private ranges). Link-local (cloud metadata), unspecified,
 * multicast and reserved addresses are refused under every policy.
 */

export type UrlPolicy = "public" | "loopback" | "private";
export type AddressKind = "public" | "loopback" | "private" | "link-local" | "unspecified" | "multicast" | "reserved";

const POLICIES: Record<UrlPolicy, ReadonlySet<AddressKind>> = {
  public: new Set(["public"]),
  loopback: new Set(["public", "loopback"]),
  private: new Set(["public", "loopback", "private"]),
};

export function urlPolicyFromEnv(value = process.env.OUTBOUND_URL_POLICY): UrlPolicy {
  const policy = value?.trim().toLowerCase() || "loopback";
  if (policy in POLICIES) return policy as UrlPolicy;
  throw new Error(`OUTBOUND_URL_POLICY must be public, loopback or private, not ${JSON.stringify(value)}`);
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

export function addressKind(address: string): AddressKind {
  const family = isIP(address);
  if (family === 0) return "reserved";
  const type = family === 4 ? "ipv4" : "ipv6";
  return KINDS.find(([, list]) => list.check(address, type))?.[0] ?? "public";
}

export function isAllowed(address: string, policy: UrlPolicy): boolean {
  return POLICIES[policy].has(addressKind(address));
}
