import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POST } from "@/app/api/probe/route";
import { probeUrl } from "@/lib/remote-agents/probe";
import type { NormalizedQuote } from "@/lib/remote-agents/parse-quote";
import { NETWORKS } from "@/lib/chains/networks";
import { deadUrl, listen } from "../agents/support/http";
import { EXTERNAL_PAY_TO, startExternalX402Server } from "../support/external-x402-server";
import { routesFixture } from "../support/fixtures";
import { MARKET_AGENT, paidStackFixture } from "../x402/support";

const stack = paidStackFixture();
let external: Awaited<ReturnType<typeof startExternalX402Server>>;
const app = routesFixture([{ method: "POST", path: "/api/probe", handle: (req) => POST(req) }]);
const doubles: Array<Awaited<ReturnType<typeof listen>>> = [];

beforeAll(async () => {
  external = await startExternalX402Server({ rpcUrl: stack.anvil.rpcUrl });
});
afterAll(async () => {
  await Promise.all(doubles.map((d) => d.close()));
  await external?.stop();
});
beforeEach(() => {
  delete process.env.OUTBOUND_URL_POLICY; // the default: public + loopback
});

async function double(handler: Parameters<typeof listen>[0]): Promise<string> {
  const server = await listen(handler);
  doubles.push(server);
  return server.url;
}

async function probe(body: unknown): Promise<{ status: number; json: { url: string; status: number | null; quote: NormalizedQuote; error?: { code: string; message: string } } }> {
  const res = await fetch(`${app.url}/api/probe`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe("POST /api/probe", () => {
  it("reads our own paid agent's quote: payable, 0.01 USDC on the local chain", async () => {
    const url = `${stack.url}/api/x402/${MARKET_AGENT}/chat`;
    const { status, json } = await probe({ url });
    expect(status).toBe(200);
    expect(json.url).toBe(url);
    expect(json.status).toBe(402);
    expect(json.quote).toMatchObject({
      dialect: "x402-v2",
      scheme: "exact",
      network: "eip155:31337",
      chainId: 31337,
      asset: NETWORKS.local.usdc.address,
      amount: { atomic: "10000", display: "0.01 USDC" },
      resource: url,
      payable: true,
      reason: null,
    });
  });

  it("reads the quote of an x402 server built on the official SDK, in another process", async () => {
    const { status, json } = await probe({ url: `${external.url}/chat` });
    expect(status).toBe(200);
    expect(json.quote).toMatchObject({
      dialect: "x402-v2",
      network: "eip155:31337",
      amount: { atomic: "20000", display: "0.02 USDC" },
      payTo: EXTERNAL_PAY_TO,
      maxTimeoutSeconds: 300,
      extra: { name: "USD Coin", version: "2" },
      payable: true,
    });
  });

  it("says a URL that answers 200 is free or not an agent", async () => {
    const url = await double((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"hello":"world"}'));
    const { status, json } = await probe({ url });
    expect([status, json.status]).toEqual([200, 200]);
    expect(json.quote).toMatchObject({ dialect: "none", payable: false, reason: "the URL answered 200, not 402: it is free or not an x402 agent" });
  });

  it("says a dead URL could not be reached", async () => {
    const { status, json } = await probe({ url: await deadUrl() });
    expect([status, json.status]).toEqual([200, null]);
    expect(json.quote.dialect).toBe("none");
    expect(json.quote.reason).toMatch(/^the URL could not be reached: .*ECONNREFUSED/);
  });

  it("says why garbage 402s carry no payable quote", async () => {
    const plain = await double((_req, res) => res.writeHead(402, { "content-type": "text/html" }).end("<h1>pay up</h1>\u0000\u00ff"));
    expect((await probe({ url: plain })).json.quote).toMatchObject({ dialect: "none", reason: "the URL answered 402 without a payment quote we can read" });
    const badHeader = await double((_req, res) => res.writeHead(402, { "PAYMENT-REQUIRED": "eyJub3QganNvbg==" }).end());
    expect((await probe({ url: badHeader })).json.quote).toMatchObject({ dialect: "x402-v2", payable: false, reason: "the PAYMENT-REQUIRED header does not hold JSON" });
    const huge = await double((_req, res) => {
      res.writeHead(402, { "content-type": "application/json" });
      res.end(`{"x":"${"a".repeat(1_100_000)}"}`);
    });
    expect((await probe({ url: huge })).json.quote.reason).toMatch(/^the URL's answer is too large to be a quote/);
  });

  it("retries with GET when POST is not allowed", async () => {
    const url = await double((req, res) => {
      if (req.method === "POST") return void res.writeHead(405, { allow: "GET" }).end();
      res.writeHead(402, { "content-type": "application/json" }).end(
        JSON.stringify({ error: "Payment required", payment: { amount: "0.05", currency: "USDC", network: "base-sepolia", receiver: EXTERNAL_PAY_TO } }),
      );
    });
    const { json } = await probe({ url });
    expect(json.status).toBe(402);
    expect(json.quote).toMatchObject({ dialect: "payment-object", amount: { atomic: "50000" }, payable: false, reason: "not x402: a payment object, pay it by hand" });
  });

  it("sends the agent a minimal chat request", async () => {
    let seen: { method?: string; accept?: string; body?: string } = {};
    const url = await double(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      seen = { method: req.method, accept: req.headers.accept, body };
      res.writeHead(200).end();
    });
    await probe({ url });
    expect(seen).toEqual({ method: "POST", accept: "application/json", body: '{"messages":[{"role":"user","content":"ping"}]}' });
  });

  it("refuses blocked and non-http URLs with a 4xx and a reason", async () => {
    const metadata = await probe({ url: "http://169.254.169.254/latest/meta-data/" });
    expect(metadata.status).toBe(403);
    expect(metadata.json.error).toMatchObject({ code: "blocked_target", message: expect.stringMatching(/link-local/) });
    expect((await probe({ url: "http://10.0.0.1/" })).status).toBe(403);
    const redirect = await double((_req, res) => res.writeHead(302, { location: "http://169.254.169.254/" }).end());
    expect((await probe({ url: redirect })).json.error?.code).toBe("blocked_target");
    const file = await probe({ url: "file:///etc/passwd" });
    expect([file.status, file.json.error?.code]).toEqual([400, "bad_url"]);
  });

  it("follows OUTBOUND_URL_POLICY: public refuses loopback agents", async () => {
    process.env.OUTBOUND_URL_POLICY = "public";
    const { status, json } = await probe({ url: `${external.url}/chat` });
    expect([status, json.error?.code]).toEqual([403, "blocked_target"]);
  });

  it("answers 4xx, never 5xx, for bad bodies", async () => {
    const cases: Array<[unknown, number, string]> = [
      ["{not json", 400, "invalid_json"],
      [{}, 400, "invalid_request"],
      [{ url: 42 }, 400, "invalid_request"],
      [{ url: "" }, 400, "invalid_request"],
      [{ url: `http://x/${"a".repeat(3000)}` }, 400, "invalid_request"],
      [{ url: "http://[::1" }, 400, "bad_url"],
      [JSON.stringify({ url: "a".repeat(20_000) }), 413, "body_too_large"],
    ];
    for (const [body, status, code] of cases) {
      const res = await probe(body);
      expect([res.status, res.json.error?.code]).toEqual([status, code]);
    }
  });
});

describe("probeUrl", () => {
  it("gives a server that never answers a timeout reason", async () => {
    const url = await double(() => undefined);
    const result = await probeUrl(url, { headersTimeoutMs: 200 });
    expect(result.status).toBeNull();
    expect(result.quote).toMatchObject({ dialect: "none", payable: false });
    expect(result.quote.reason).toMatch(/^the URL did not answer in time: .*0.2 s/);
  });
});
