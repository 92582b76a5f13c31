import { NextRequest } from "next/server";
import { afterEach, describe, expect, it, vi } from "vitest";

/** proxy.ts reads ALLOWED_HOSTS and HOST once; a fresh module per environment. */
async function loadProxy(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return (await import("@/proxy")).proxy;
}

function request(host: string | null, path = "/") {
  const headers = new Headers();
  if (host !== null) headers.set("host", host);
  return new NextRequest(`http://127.0.0.1:3000${path}`, { headers });
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("proxy: allowed hosts", () => {
  it("answers a foreign Host with 421 host_not_allowed, and the default loopback names as usual", async () => {
    const proxy = await loadProxy({ ALLOWED_HOSTS: undefined, HOST: "127.0.0.1" });
    const refused = proxy(request("evil.example:3000", "/api/agents"));
    expect(refused.status).toBe(421);
    expect(await refused.json()).toMatchObject({ error: { code: "host_not_allowed" } });
    expect(refused.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");

    for (const host of ["127.0.0.1:3000", "localhost:3000", "[::1]:3000"]) {
      const res = proxy(request(host));
      expect(res.status, host).toBe(200);
      expect(res.headers.get("x-middleware-next"), host).toBe("1"); // passed on to the app
    }
  });

  it("uses ALLOWED_HOSTS instead of the default, and refuses everything with code allowed_hosts_invalid when it is malformed", async () => {
    let proxy = await loadProxy({ ALLOWED_HOSTS: "chat.example.com", HOST: "127.0.0.1" });
    expect(proxy(request("chat.example.com")).status).toBe(200);
    expect(proxy(request("127.0.0.1:3000")).status).toBe(421);

    proxy = await loadProxy({ ALLOWED_HOSTS: "chat.example.com/path" });
    const res = proxy(request("chat.example.com"));
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: "allowed_hosts_invalid" } });
  });
});

describe("proxy: CSP nonce", () => {
  it("gives each response a fresh script nonce, in the response and in the request Next.js renders from", async () => {
    const proxy = await loadProxy({ ALLOWED_HOSTS: undefined, HOST: "127.0.0.1" });
    const nonces = [];
    for (let i = 0; i < 2; i++) {
      const res = proxy(request("127.0.0.1:3000"));
      const csp = res.headers.get("content-security-policy")!;
      const scriptSrc = csp.split("; ").find((d) => d.startsWith("script-src "))!;
      expect(scriptSrc).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/]{22}==' 'wasm-unsafe-eval'( 'unsafe-eval')?$/); // eval: vitest is not a production build
      expect(scriptSrc).not.toContain("'unsafe-inline'");
      // NextResponse.next({request: {headers}}) forwards the policy as the request header Next.js takes the nonce from.
      expect(res.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
      nonces.push(/'nonce-([^']+)'/.exec(scriptSrc)![1]);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it("overwrites a CSP request header a client sent, so no client picks the nonce", async () => {
    const proxy = await loadProxy({ ALLOWED_HOSTS: undefined, HOST: "127.0.0.1" });
    const req = request("127.0.0.1:3000");
    req.headers.set("content-security-policy", "script-src 'nonce-chosenbytheclient'");
    const forwarded = proxy(req).headers.get("x-middleware-request-content-security-policy")!;
    expect(forwarded).not.toContain("chosenbytheclient");
    expect(forwarded).toMatch(/'nonce-[A-Za-z0-9+/]{22}=='/);
  });
});
