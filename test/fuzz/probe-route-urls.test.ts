import { beforeAll, describe, expect, it } from "vitest";
import { POST as probe } from "@/app/api/probe/route";
import { deadUrl } from "../agents/support/http";
import { routesFixture } from "../support/fixtures";
import { MARKET_AGENT, paidStackFixture } from "../x402/support";
import { SEED, forCases, prng } from "./support/random";

const stack = paidStackFixture();
const app = routesFixture([{ method: "POST", path: "/api/probe", handle: (req) => probe(req) }]);
let deadPort: string;

beforeAll(async () => {
  deadPort = new URL(await deadUrl()).port;
});

/**
 * Hosts that never reach the public internet: loopback in every spelling (only at a port where nothing
 * listens), private, link-local and metadata addresses in IPv4, IPv6 and mapped forms, and names under
 * .invalid (RFC 6761: never resolves), IDNs included.
 */
const HOSTS = [
  "127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "%31%32%37.0.0.1", "localhost", "LOCALHOST.", "[::1]",
  "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0.0.0.0", "[::]", "10.0.0.1", "192.168.1.1", "172.16.0.1",
  "169.254.169.254", "[fe80::1]", "[fe80::1%25eth0]", "[fc00::1]", "[::ffff:10.0.0.1]", "[::ffff:169.254.169.254]", "100.64.0.1",
  // IPv6 forms that carry an IPv4 address (NAT64, 6to4, IPv4-compatible): judged by that address.
  "[64:ff9b::a9fe:a9fe]", "[64:ff9b::10.0.0.1]", "[2002:a9fe:a9fe::]", "[2002:c0a8:101::1]", "[::a9fe:a9fe]", "[::10.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]",
  "bücher.invalid", "xn--bcher-kva.invalid", "аррӏе.invalid", "a..invalid", "-x-.invalid", "x".repeat(300) + ".invalid",
];

const PRIVATE = /10\.0\.0\.1|192\.168|169\.254|fe80|fc00|172\.16|100\.64|0\.0\.0\.0|\[::\]|a9fe|c0a8|64:ff9b::10|::10\./;

describe(`fuzzed probe URLs (FUZZ_SEED=${SEED})`, () => {
  it("answers 1,500 odd URLs with 200 or a clear 4xx, never 5xx, and never reaches a private address", async () => {
    const r = prng(SEED + 4);
    const urls = Array.from({ length: 1_500 }, () => {
      const scheme = r.pick(["http", "https", "HTTP", "ftp", "file", "javascript", "data", "gopher", "ws", "", "http:/", "http:\\\\"]);
      const userinfo = r.pick(["", "", "user:pass@", "evil.com@", "a%40b@", ":@"]);
      const host = r.chance(0.8) ? r.pick(HOSTS) : `${r.string(12).replace(/[\s/?#@]/g, "")}.invalid`;
      const port = r.pick(["", `:${deadPort}`, `:${deadPort}`, ":0", ":65536", ":99999", ":-1", ":x"]);
      const path = r.pick(["", "/", "/chat", `/${r.string(20)}`, "/%2e%2e/%2e%2e/etc/passwd", `?q=${r.string(10)}`, "#frag"]);
      const url = r.chance(0.05) ? r.string(100) : `${scheme}${scheme && !scheme.includes(":") ? "://" : ""}${userinfo}${host}${port}${path}`;
      // Loopback is allowed by default: keep it at the dead port so the fuzz never pokes a live local service.
      return /127\.|localhost|::1|7f00|2130706433|0x7f|0177|%31/i.test(url) && !url.includes(`:${deadPort}`) ? url.replace(host, `${host}:${deadPort}`) : url;
    });
    const statuses = new Map<number, number>();
    await forCases(urls.length, 16, async (i) => {
      const res = await fetch(`${app.url}/api/probe`, { method: "POST", body: JSON.stringify({ url: urls[i] }) });
      const body = (await res.json()) as { error?: { code: string }; quote?: { payable: boolean } };
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect([200, 400, 403], `${urls[i]} -> ${res.status} ${JSON.stringify(body)}`).toContain(res.status);
      if (res.status === 200) expect(body.quote?.payable, urls[i]).toBe(false); // nothing here is an agent
      // A private or link-local target is refused (403) or unparseable (400): a 200 would mean it was fetched.
      if (PRIVATE.test(urls[i]!)) expect([400, 403], urls[i]).toContain(res.status);
    });
    expect(statuses.get(403)).toBeGreaterThan(20);
  });

  it("still probes a real agent afterwards", async () => {
    const res = await fetch(`${app.url}/api/probe`, { method: "POST", body: JSON.stringify({ url: `${stack.url}/api/x402/${MARKET_AGENT}/chat` }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { quote: { payable: boolean } }).quote.payable).toBe(true);
  });
});
