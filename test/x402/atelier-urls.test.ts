/**
 * The Atelier seller routes hand out URLs (pay, discover, chat, the quote's resource) on the origin the caller
 * addressed: Host, or X-Forwarded-Host / -Proto behind a trusted proxy (TRUST_PROXY), never the server's own req.url.
 */
import { afterEach, describe, expect, it } from "vitest";
import { GET as services } from "@/app/api/x402/services/route";
import { bazaarListing, discoverService, payService } from "@/lib/x402/server/atelier";
import { setEnv } from "../support/fixtures";

const MARKET = "00000000-0000-0000-0000-000000000001";
const PUBLIC = "https://agents.example.com";
// What `next start` behind a proxy sees: its own localhost URL, the public host in the forwarded headers.
const behindProxy = (path: string, init: RequestInit = {}) =>
  new Request(`http://localhost:3000${path}`, { ...init, headers: { host: "localhost:3000", "x-forwarded-host": "agents.example.com", "x-forwarded-proto": "https", ...init.headers } });

let restore: (() => void) | undefined;
afterEach(() => restore?.());

/** Every absolute URL in a JSON body. */
const urlsIn = (body: unknown) => JSON.stringify(body).match(/https?:\/\/[^"]+/g) ?? [];

describe("the Atelier routes' URLs behind a forwarded host", () => {
  it("services, discover, pay's quote and the bazaar name the forwarded origin when the proxy is trusted", async () => {
    restore = setEnv({ TRUST_PROXY: "1", DATA_DIR: "memory://" });
    const listed = await services(behindProxy("/api/x402/services")).json();
    const discovered = await discoverService(behindProxy(`/api/x402/discover?service_id=${MARKET}`)).json();
    const quoted = await payService(
      behindProxy(`/api/x402/pay?service_id=${MARKET}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ brief: "hello" }) }),
    );
    expect(quoted.status).toBe(402);
    const bazaar = await bazaarListing(behindProxy("/api/x402/bazaar")).json();

    expect((discovered as { payment_requirements: { resource: string } }).payment_requirements.resource).toBe(`${PUBLIC}/api/x402/pay?service_id=${MARKET}`);
    for (const body of [listed, discovered, await quoted.json(), bazaar]) {
      const urls = urlsIn(body);
      expect(urls.length).toBeGreaterThan(0);
      for (const url of urls) expect(url.startsWith(`${PUBLIC}/`)).toBe(true);
    }
  });

  it("without TRUST_PROXY the forwarded headers are ignored: the Host is used", async () => {
    restore = setEnv({ DATA_DIR: "memory://" });
    delete process.env.TRUST_PROXY;
    const discovered = (await discoverService(behindProxy(`/api/x402/discover?service_id=${MARKET}`, { headers: { host: "app.internal:8080" } })).json()) as {
      payment_requirements: { resource: string };
    };
    expect(discovered.payment_requirements.resource).toBe(`http://app.internal:8080/api/x402/pay?service_id=${MARKET}`);
  });
});
