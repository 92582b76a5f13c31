/**
 * Which Host headers the app answers (ALLOWED_HOSTS). A page on an attacker's
 * domain that re-points its DNS name at 127.0.0.1 (DNS rebinding) reaches the
 * app as same-origin; the one thing it cannot change is the Host header, which
 * still carries the attacker's name.
 */

/** One allowed name; `port` null = any port. */
export interface AllowedHost {
  host: string;
  port: string | null;
}

/** `*` in ALLOWED_HOSTS: answer any Host (behind a proxy that checks it, or on a trusted network). */
export type AllowedHosts = AllowedHost[] | "any";

/** The loopback names always allowed by default, besides the bind address. */
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/** Wildcard bind addresses name no host a browser would use. */
const WILDCARD_BINDS = new Set(["0.0.0.0", "[::]", "::"]);

/**
 * Splits a Host header value (or an ALLOWED_HOSTS entry) into a lower-case
 * name and an optional port. IPv6 literals keep their brackets, as in URLs.
 * Null for anything that is not a plain host[:port] (paths, userinfo, spaces…).
 */
export function parseHostPort(value: string): { host: string; port: string | null } | null {
  const v = value.trim().toLowerCase();
  let host: string;
  let rest: string;
  if (v.startsWith("[")) {
    const end = v.indexOf("]");
    if (end < 0) return null;
    host = v.slice(0, end + 1);
    rest = v.slice(end + 1);
    if (!/^\[[0-9a-f:.]+\]$/.test(host)) return null;
  } else {
    const colon = v.indexOf(":");
    host = colon < 0 ? v : v.slice(0, colon);
    rest = colon < 0 ? "" : v.slice(colon);
    // Letters, digits, dots, hyphens, underscores: DNS names and IPv4. A bare IPv6 (two colons) lands in `rest` and fails below.
    if (!/^[a-z0-9_.-]+$/.test(host)) return null;
  }
  host = host.replace(/\.$/, ""); // "localhost." is "localhost"
  if (host === "") return null;
  if (rest === "") return { host, port: null };
  if (!/^:\d{1,5}$/.test(rest) || Number(rest.slice(1)) > 65535) return null;
  return { host, port: rest.slice(1) };
}

/** A bind address as the Host header would spell it: IPv6 in brackets. */
function bindAddressAsHost(bind: string): string {
  const b = bind.trim().toLowerCase();
  return b.includes(":") && !b.startsWith("[") ? `[${b}]` : b;
}

/**
 * The allowed hosts from ALLOWED_HOSTS (comma-separated `host` or `host:port`;
 * `*` = any), or by default the bind address HOST and the loopback names, on
 * any port. Throws on an entry that is not a host name, so a typo does not
 * silently lock everyone out.
 */
export function parseAllowedHosts(allowedHosts: string | undefined, bindHost: string | undefined): AllowedHosts {
  const configured = allowedHosts?.trim();
  if (configured) {
    const entries = configured.split(",").map((e) => e.trim()).filter(Boolean);
    if (entries.includes("*")) return "any";
    return entries.map((entry) => {
      const parsed = parseHostPort(entry);
      if (!parsed) throw new Error(`ALLOWED_HOSTS: "${entry}" is not a host or host:port`);
      return parsed;
    });
  }
  const names = new Set(LOOPBACK_NAMES);
  const bind = bindHost?.trim() ? bindAddressAsHost(bindHost) : "";
  if (bind && !WILDCARD_BINDS.has(bind)) names.add(bind);
  return [...names].map((host) => ({ host, port: null }));
}

/** True when a request's Host header names one of the allowed hosts. A missing or malformed Host is never allowed. */
export function isHostAllowed(hostHeader: string | null, allowed: AllowedHosts): boolean {
  if (allowed === "any") return true;
  if (hostHeader === null) return false;
  const parsed = parseHostPort(hostHeader);
  if (!parsed) return false;
  return allowed.some((a) => a.host === parsed.host && (a.port === null || a.port === parsed.port));
}
