import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressKind, canonicalAddress, isAllowed, urlPolicyFromEnv } from "@/lib/remote-agents/address-policy";
import { readText, safeFetch, SafeFetchError, type SafeFetchErrorCode, type SafeFetchOptions } from "@/lib/remote-agents/safe-fetch";
import { deadUrl, listen, readBody } from "../agents/support/http";

type Server = Awaited<ReturnType<typeof listen>>;
let server: Server;
const seen: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> = [];

beforeAll(async () => {
  server = await listen(async (req, res) => {
    const body = await readBody(req);
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    const url = new URL(req.url!, "http://x");
    const to = url.searchParams.get("to");
    if (url.pathname === "/redirect") return void res.writeHead(Number(url.searchParams.get("status") ?? 302), { location: to! }).end();
    const hops = /^\/hops\/(\d+)$/.exec(url.pathname);
    if (hops) return void (Number(hops[1]) === 0 ? res.end("arrived") : res.writeHead(302, { location: `/hops/${Number(hops[1]) - 1}` }).end());
    if (url.pathname === "/big") {
      const declared = url.searchParams.has("declared");
      res.writeHead(200, declared ? { "content-length": String(2_000_000) } : {});
      for (let i = 0; i < 20; i++) res.write(Buffer.alloc(100_000, 97));
      return void res.end();
    }
    if (url.pathname === "/hang") return; // never answers
    if (url.pathname === "/stall") return void res.writeHead(200).write("partial"); // headers, then nothing
    res.writeHead(200, { "content-type": "text/plain", "x-extra": "1" }).end(`ok ${req.method} ${body}`);
  });
});
afterAll(() => server?.close());

async function failure(url: string, opts: SafeFetchOptions): Promise<SafeFetchError> {
  try {
    const res = await safeFetch(url, opts);
    await readText(res);
  } catch (err) {
    expect(err).toBeInstanceOf(SafeFetchError);
    return err as SafeFetchError;
  }
  throw new Error(`expected ${url} to fail`);
}

async function expectCode(url: string, opts: SafeFetchOptions, code: SafeFetchErrorCode, message?: RegExp) {
  const err = await failure(url, opts);
  expect(err.code).toBe(code);
  if (message) expect(err.message).toMatch(message);
}

describe("the outbound URL policy", () => {
  it("defaults to loopback while the app listens on loopback, and refuses unknown values", () => {
    for (const host of [undefined, "", "127.0.0.1", "127.0.0.2", "::1", "[::1]", "::ffff:127.0.0.1", "localhost", "LOCALHOST"]) {
      expect([host, urlPolicyFromEnv(undefined, host)]).toEqual([host, "loopback"]);
      expect([host, urlPolicyFromEnv("", host)]).toEqual([host, "loopback"]);
    }
    expect(urlPolicyFromEnv(" Public ", "127.0.0.1")).toBe("public");
    expect(urlPolicyFromEnv("private", "127.0.0.1")).toBe("private");
    expect(() => urlPolicyFromEnv("anything")).toThrow(/OUTBOUND_URL_POLICY must be public, loopback or private/);
  });

  it("defaults to public once HOST exposes the app beyond loopback; an explicit policy still wins", () => {
    for (const host of ["0.0.0.0", "::", "[::]", "192.168.1.20", "10.0.0.5", "203.0.113.7", "fd00::5", "chat.example.com"]) {
      expect([host, urlPolicyFromEnv(undefined, host)]).toEqual([host, "public"]);
    }
    expect(urlPolicyFromEnv("loopback", "0.0.0.0")).toBe("loopback");
    expect(urlPolicyFromEnv("private", "0.0.0.0")).toBe("private");
  });

  it("reads HOST from the environment when no host is given", () => {
    const saved = process.env.HOST;
    try {
      process.env.HOST = "0.0.0.0";
      expect(urlPolicyFromEnv(undefined)).toBe("public");
      process.env.HOST = "127.0.0.1";
      expect(urlPolicyFromEnv(undefined)).toBe("loopback");
    } finally {
      if (saved === undefined) delete process.env.HOST;
      else process.env.HOST = saved;
    }
  });

  it("judges NAT64, 6to4 and IPv4-compatible addresses by the IPv4 address they carry", () => {
    const kinds: Record<string, string> = {
      "64:ff9b::7f00:1": "loopback",
      "64:ff9b::127.0.0.1": "loopback",
      "64:ff9b::a9fe:a9fe": "link-local",
      "64:ff9b::a00:1": "private",
      "64:ff9b::808:808": "public",
      "2002:7f00:1::": "loopback",
      "2002:a9fe:a9fe::": "link-local",
      "2002:a9fe:a9fe:1:2:3:4:5": "link-local",
      "2002:c0a8:101::1": "private",
      "2002:0:0::1": "unspecified",
      "2002:808:808::1": "public",
      "::7f00:1": "loopback",
      "::127.0.0.1": "loopback",
      "::a9fe:a9fe": "link-local",
      "::169.254.169.254": "link-local",
      "::a00:1": "private",
      "::e000:1": "multicast",
      "::2": "reserved",
      "::808:808": "public",
      // Themselves, not IPv4-compatible forms of 0.0.0.0 and 0.0.0.1.
      "::": "unspecified",
      "::1": "loopback",
      "0:0:0:0:0:0:0:1": "loopback",
    };
    for (const [address, kind] of Object.entries(kinds)) expect([address, addressKind(address)]).toEqual([address, kind]);
    for (const address of ["64:ff9b::7f00:1", "2002:a9fe:a9fe::", "::7f00:1"]) expect(isAllowed(address, "public")).toBe(false);
    expect(isAllowed("64:ff9b::7f00:1", "loopback")).toBe(true); // it is loopback: no more, no less
  });

  it("spells every form of one address the same way", () => {
    for (const address of ["127.0.0.1", "::ffff:127.0.0.1", "::ffff:7f00:1", "64:ff9b::7f00:1", "::7f00:1", "2002:7f00:1::"]) expect(canonicalAddress(address)).toBe("127.0.0.1");
    expect(canonicalAddress("0:0:0:0:0:0:0:1")).toBe("::1");
    expect(canonicalAddress("2606:4700:4700:0:0:0:0:1111")).toBe("2606:4700:4700::1111");
  });

  it("classifies addresses, IPv4-mapped IPv6 included", () => {
    const kinds: Record<string, string> = {
      "8.8.8.8": "public",
      "2606:4700:4700::1111": "public",
      "127.0.0.1": "loopback",
      "127.255.0.9": "loopback",
      "::1": "loopback",
      "::ffff:127.0.0.1": "loopback",
      "::ffff:7f00:1": "loopback",
      "10.0.0.1": "private",
      "172.16.5.4": "private",
      "172.32.0.1": "public",
      "192.168.1.1": "private",
      "100.64.0.1": "private",
      "fd00::1": "private",
      "::ffff:10.1.2.3": "private",
      "169.254.169.254": "link-local",
      "fe80::1": "link-local",
      "::ffff:169.254.169.254": "link-local",
      "0.0.0.0": "unspecified",
      "::": "unspecified",
      "224.0.0.1": "multicast",
      "ff02::1": "multicast",
      "255.255.255.255": "reserved",
      "0.1.2.3": "reserved",
    };
    for (const [address, kind] of Object.entries(kinds)) expect([address, addressKind(address)]).toEqual([address, kind]);
  });

  it("never allows link-local, unspecified or multicast, whatever the policy", () => {
    for (const policy of ["public", "loopback", "private"] as const) {
      for (const address of ["169.254.169.254", "fe80::1", "0.0.0.0", "::", "224.0.0.1"]) expect(isAllowed(address, policy)).toBe(false);
      expect(isAllowed("1.1.1.1", policy)).toBe(true);
    }
    expect(isAllowed("127.0.0.1", "public")).toBe(false);
    expect(isAllowed("127.0.0.1", "loopback")).toBe(true);
    expect(isAllowed("10.0.0.1", "loopback")).toBe(false);
    expect(isAllowed("10.0.0.1", "private")).toBe(true);
  });
});

describe("safeFetch", () => {
  it("refuses 127.0.0.1 under public, and fetches it under loopback", async () => {
    await expectCode(`${server.url}/`, { policy: "public" }, "blocked_target", /127\.0\.0\.1.*loopback address.*"public"/);
    const res = await safeFetch(`${server.url}/hello`, { policy: "loopback", method: "POST", body: new TextEncoder().encode("hi") });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-extra")).toBe("1");
    expect(await readText(res)).toBe("ok POST hi");
    expect(seen.at(-1)!.headers["accept-encoding"]).toBe("identity");
  });

  it("refuses private, loopback, link-local and unspecified literals under public, before connecting", async () => {
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://2130706433/", "http://[fe80::1]/", "http://[64:ff9b::7f00:1]/", "http://[2002:a9fe:a9fe::]/", "http://[::127.0.0.1]/"]) {
      await expectCode(url, { policy: "public", headersTimeoutMs: 500 }, "blocked_target");
    }
  });

  it("refuses link-local and unspecified even under the private policy", async () => {
    await expectCode("http://169.254.169.254/", { policy: "private" }, "blocked_target", /link-local/);
    await expectCode("http://0.0.0.0:1/", { policy: "private" }, "blocked_target", /unspecified/);
  });

  it("refuses a hostname that resolves to loopback under public", async () => {
    await expectCode("http://localhost/", { policy: "public" }, "blocked_target", /localhost is .*loopback/);
  });

  it("refuses non-http URLs, non-URLs and URLs with credentials", async () => {
    await expectCode("file:///etc/passwd", {}, "bad_url", /only http and https/);
    await expectCode("ftp://example.com/x", {}, "bad_url", /only http and https/);
    await expectCode("javascript:alert(1)", {}, "bad_url");
    await expectCode("not a url", {}, "bad_url", /is not a URL/);
    await expectCode(`http://user:pw@127.0.0.1:1/`, {}, "bad_url", /credentials/);
  });

  it("re-checks every redirect target: an allowed first hop cannot lead to a blocked one", async () => {
    for (const to of ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::ffff:a9fe:a9fe]/"]) {
      const before = seen.length;
      await expectCode(`${server.url}/redirect?to=${encodeURIComponent(to)}`, { policy: "loopback" }, "blocked_target");
      expect(seen.length).toBe(before + 1); // the first hop was made
    }
    await expectCode(`${server.url}/redirect?to=${encodeURIComponent("file:///etc/passwd")}`, { policy: "loopback" }, "bad_url");
  });

  it("asks the deny hook at every hop, with the address it connects to and the port, and stops at its refusal", async () => {
    const asked: Array<{ hostname: string; address: string; port: number }> = [];
    const port = Number(new URL(server.url).port);
    const denyEcho = (hop: { hostname: string; address: string; port: number }) => (asked.push(hop), hop.port === port && hop.address === "127.0.0.1" && hop.hostname === "localhost" ? "the echo" : null);
    const before = seen.length;
    const to = `http://localhost:${port}/echo`;
    await expectCode(`${server.url}/redirect?to=${encodeURIComponent(to)}`, { policy: "loopback", deny: denyEcho }, "blocked_target", new RegExp(`localhost:${port} is the echo`));
    expect(seen.length).toBe(before + 1); // the first hop only
    expect(asked[0]).toEqual({ hostname: "127.0.0.1", address: "127.0.0.1", port });
    expect(asked.slice(1).map((h) => h.hostname)).toContain("localhost");
    // Allowed by the hook: the same chain goes through.
    const res = await safeFetch(`${server.url}/redirect?to=/echo`, { policy: "loopback", deny: () => null });
    expect(await readText(res)).toBe("ok GET ");
  });

  it("follows up to 5 redirects and refuses the 6th", async () => {
    const res = await safeFetch(`${server.url}/hops/5`, { policy: "loopback" });
    expect([res.status, await readText(res), res.url]).toEqual([200, "arrived", `${server.url}/hops/0`]);
    await expectCode(`${server.url}/hops/6`, { policy: "loopback" }, "too_many_redirects", /more than 5 redirects/);
  });

  it("keeps a POST body on 307, turns a POST into a GET on 303, and drops payment headers across origins", async () => {
    const body = new TextEncoder().encode('{"m":1}');
    const headers = { "content-type": "application/json", "PAYMENT-SIGNATURE": "proof" };
    const kept = await safeFetch(`${server.url}/redirect?status=307&to=/echo`, { policy: "loopback", method: "POST", headers, body });
    expect(await readText(kept)).toBe('ok POST {"m":1}');
    expect(seen.at(-1)!.headers["payment-signature"]).toBe("proof");

    const changed = await safeFetch(`${server.url}/redirect?status=303&to=/echo`, { policy: "loopback", method: "POST", headers, body });
    expect(await readText(changed)).toBe("ok GET ");

    const otherOrigin = server.url.replace("127.0.0.1", "localhost");
    const moved = await safeFetch(`${server.url}/redirect?status=307&to=${encodeURIComponent(`${otherOrigin}/echo`)}`, { policy: "loopback", method: "POST", headers, body });
    expect(await readText(moved)).toBe('ok POST {"m":1}');
    expect(seen.at(-1)!.headers["payment-signature"]).toBeUndefined();
  });

  it("refuses a body over the limit, declared or streamed", async () => {
    await expectCode(`${server.url}/big?declared`, { policy: "loopback", maxBodyBytes: 1_000_000 }, "too_large", /larger than 1000000 bytes/);
    await expectCode(`${server.url}/big`, { policy: "loopback", maxBodyBytes: 1_000_000 }, "too_large");
    const whole = await safeFetch(`${server.url}/big`, { policy: "loopback", maxBodyBytes: 2_000_000 });
    expect((await readText(whole)).length).toBe(2_000_000);
  });

  it("times out a server that never answers, and one that stops mid-body", async () => {
    const started = performance.now();
    await expectCode(`${server.url}/hang`, { policy: "loopback", headersTimeoutMs: 200 }, "timeout", /no answer within 0.2 s/);
    await expectCode(`${server.url}/stall`, { policy: "loopback", totalTimeoutMs: 300 }, "timeout", /no complete answer within 0.3 s/);
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it("says a dead port or an unknown host is unreachable", async () => {
    await expectCode(await deadUrl(), { policy: "loopback" }, "unreachable", /ECONNREFUSED/);
    await expectCode("http://no-such-host.invalid/", { policy: "public" }, "unreachable", /could not be resolved/);
  });

  it("stops when the caller aborts", async () => {
    const abort = new AbortController();
    const pending = failure(`${server.url}/hang`, { policy: "loopback", signal: abort.signal });
    abort.abort();
    expect((await pending).message).toMatch(/cancelled/);
  });
});
