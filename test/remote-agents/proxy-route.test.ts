import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import { createPublicClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET, POST } from "@/app/api/proxy/route";
import { relay } from "@/lib/remote-agents/proxy";
import { deadUrl, listen } from "../agents/support/http";
import { EXTERNAL_PAY_TO, EXTERNAL_PRICE_ATOMIC, startExternalX402Server } from "../support/external-x402-server";
import { routesFixture } from "../support/fixtures";
import { chatBody, fundedPayer, payingFetch, paidStackFixture, usdcBalance } from "../x402/support";

const stack = paidStackFixture();
let external: Awaited<ReturnType<typeof startExternalX402Server>>;
const app = routesFixture([
  { method: "POST", path: "/api/proxy", handle: (req) => POST(req) },
  { method: "GET", path: "/api/proxy", handle: (req) => GET(req) },
  // The same relay with short bounds, so time and size limits are tested quickly.
  { method: "POST", path: "/api/proxy-tight", handle: (req) => relay(req, { headersTimeoutMs: 200, maxBodyBytes: 1_000 }) },
]);
const doubles: Array<Awaited<ReturnType<typeof listen>>> = [];

beforeAll(async () => {
  delete process.env.OUTBOUND_URL_POLICY;
  external = await startExternalX402Server({ rpcUrl: stack.anvil.rpcUrl });
});
afterAll(async () => {
  await Promise.all(doubles.map((d) => d.close()));
  await external?.stop();
});

const via = (target: string, route = "/api/proxy") => `${app.url}${route}?url=${encodeURIComponent(target)}`;
/** What the chat sends: the proxy answers only requests carrying it. */
const CLIENT = { "x-requested-by": "x402-chat" };
/** A POST as the chat makes it. */
const post = (url: string, init: RequestInit = {}) => fetch(url, { method: "POST", body: "{}", ...init, headers: { ...CLIENT, ...(init.headers as Record<string, string>) } });

async function double(handler: Parameters<typeof listen>[0]): Promise<string> {
  const server = await listen(handler);
  doubles.push(server);
  return server.url;
}

describe("POST /api/proxy", () => {
  it("lets the official x402 client pay the external SDK server through it: reply, receipt, exactly 0.02 USDC moved", async () => {
    const rpc = stack.anvil.rpcUrl;
    const payer = await fundedPayer(rpc, "1");
    const payeeBefore = await usdcBalance(rpc, EXTERNAL_PAY_TO);
    const payerBefore = await usdcBalance(rpc, payer.address);

    const res = await payingFetch(payer)(via(`${external.url}/chat`), {
      method: "POST",
      headers: { ...CLIENT, "content-type": "application/json", cookie: "session=secret", authorization: "Bearer secret", "x-forwarded-for": "10.0.0.9" },
      body: chatBody("Hello from behind the proxy"),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { messages: Array<{ content: string }>; requestHeaders: string[] };
    expect(body.messages[0]!.content).toBe("External agent heard: Hello from behind the proxy");

    const receipt = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
    expect(receipt).toMatchObject({ success: true, network: "eip155:31337", payer: payer.address });
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect((await usdcBalance(rpc, EXTERNAL_PAY_TO)) - payeeBefore).toBe(EXTERNAL_PRICE_ATOMIC);
    expect(payerBefore - (await usdcBalance(rpc, payer.address))).toBe(EXTERNAL_PRICE_ATOMIC);

    // What the external server received: the proof and the body's type, nothing of the browser's.
    expect(body.requestHeaders).toContain("payment-signature");
    expect(body.requestHeaders).toContain("content-type");
    for (const stripped of ["cookie", "authorization", "x-forwarded-for"]) expect(body.requestHeaders).not.toContain(stripped);
  });

  it("relays the 402 with its PAYMENT-REQUIRED header", async () => {
    const res = await post(via(`${external.url}/chat`), { headers: { "content-type": "application/json" }, body: chatBody("hi") });
    expect(res.status).toBe(402);
    expect(decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!).accepts[0]).toMatchObject({ amount: "20000", payTo: EXTERNAL_PAY_TO });
  });

  it("forwards a transfer's proof to a pay-then-prove agent: X-PAYMENT and X-Payment-Network", async () => {
    const url = await double((req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ payment: req.headers["x-payment"], network: req.headers["x-payment-network"] })));
    const hash = `0x${"cd".repeat(32)}`;
    const res = await post(via(url), { headers: { "content-type": "application/json", "X-PAYMENT": hash, "X-Payment-Network": "base-sepolia" } });
    expect(await res.json()).toEqual({ payment: hash, network: "base-sepolia" });
  });

  it("relays a GET as a GET with its payment header (the official client's quote probe and a tab's refund), only from the chat", async () => {
    const url = await double((req, res) =>
      res.writeHead(402, { "content-type": "application/json", "payment-required": "quote" }).end(JSON.stringify({ method: req.method, payment: req.headers["payment-signature"] ?? null })),
    );
    const res = await fetch(via(url), { headers: { ...CLIENT, "PAYMENT-SIGNATURE": "refund" } });
    expect(res.status).toBe(402);
    expect(res.headers.get("payment-required")).toBe("quote");
    expect(await res.json()).toEqual({ method: "GET", payment: "refund" });
    const bare = await fetch(via(url));
    expect(bare.status).toBe(403);
  });

  it("returns only the headers a paying client reads", async () => {
    const url = await double((_req, res) =>
      res
        .writeHead(200, {
          "content-type": "application/json",
          "cache-control": "no-store",
          "x-payment-response": "abc",
          "set-cookie": "tracker=1",
          "x-internal-secret": "s3cret",
          "access-control-allow-origin": "*",
        })
        .end("{}"),
    );
    const res = await post(via(url));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-payment-response")).toBe("abc");
    for (const name of ["set-cookie", "x-internal-secret", "access-control-allow-origin"]) expect(res.headers.get(name)).toBeNull();
  });

  it("streams: the first chunk arrives before the agent has finished", async () => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const url = await double(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" }).write("data: first\n\n");
      await finished;
      res.end("data: last\n\n");
    });
    const res = await post(via(url));
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    expect(decoder.decode((await reader.read()).value)).toBe("data: first\n\n");
    finish();
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
    expect(rest).toBe("data: last\n\n");
  });

  it("refuses blocked and malformed targets with JSON errors", async () => {
    const cases: Array<[string, number, string]> = [
      [via("http://169.254.169.254/latest/meta-data/"), 403, "blocked_target"],
      [via("http://10.0.0.1/"), 403, "blocked_target"],
      [via("file:///etc/passwd"), 400, "bad_url"],
      [`${app.url}/api/proxy`, 400, "bad_url"],
      [via(await deadUrl()), 502, "unreachable"],
    ];
    for (const [url, status, code] of cases) {
      const res = await post(url);
      expect([url, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([url, status, code]);
    }
    const redirect = await double((_req, res) => res.writeHead(307, { location: "http://169.254.169.254/" }).end());
    expect((await post(via(redirect))).status).toBe(403);
  });

  it("bounds the request body, the time and the answer's size", async () => {
    const tooBig = await post(via(`${external.url}/chat`), { body: "x".repeat(2_000_001) });
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { error: { code: string } }).error.code).toBe("body_too_large");

    const hang = await double(() => undefined);
    const slow = await post(via(hang, "/api/proxy-tight"));
    expect(slow.status).toBe(504);
    expect(((await slow.json()) as { error: { code: string } }).error.code).toBe("timeout");

    const large = await double((_req, res) => res.writeHead(200, { "content-length": "5000" }).end("y".repeat(5000)));
    const declared = await post(via(large, "/api/proxy-tight"));
    expect([declared.status, ((await declared.json()) as { error: { code: string } }).error.code]).toEqual([502, "too_large"]);

    // Streamed past the limit (no length declared): the relayed body errors instead of ending
    // as if complete. Read from the relay itself: the test server cannot show a cut-off stream.
    const streamed = await double((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      for (let i = 0; i < 5; i++) res.write("z".repeat(1000));
      res.end();
    });
    const cut = await relay(new Request(via(streamed), { method: "POST", headers: CLIENT, body: "{}" }), { maxBodyBytes: 1_000 });
    expect(cut.status).toBe(200);
    await expect(cut.text()).rejects.toThrow(/larger than 1000 bytes/);
  });
});

describe("POST /api/proxy never serves a page of our origin", () => {
  /** A double answering with this Content-Type and a body a browser would run as a page. */
  const PAGE = "<!doctype html><script>document.title = localStorage.length</script>";
  const serving = (contentType: string | null) =>
    double((_req, res) => res.writeHead(200, contentType === null ? {} : { "content-type": contentType }).end(PAGE));

  it("relays JSON, event streams (the AI SDK UI stream header too) and plain text as they are, sandboxed", async () => {
    const cases: Array<[string, string]> = [
      ["application/json", "application/json"],
      ["application/json; charset=utf-8", "application/json; charset=utf-8"],
      ["Application/JSON", "application/json"],
      ["text/event-stream", "text/event-stream"],
      ["text/plain; charset=UTF-8", "text/plain; charset=UTF-8"],
      ['text/plain; charset="utf-8"; boundary=<html>', "text/plain; charset=utf-8"],
    ];
    for (const [sent, relayed] of cases) {
      const res = await post(via(await serving(sent)));
      expect([sent, res.status, res.headers.get("content-type"), res.headers.get("content-disposition")]).toEqual([sent, 200, relayed, null]);
      expect(res.headers.get("content-security-policy")).toMatch(/^sandbox; default-src 'none'/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(await res.text()).toBe(PAGE);
    }
    const ui = await double((_req, res) =>
      res.writeHead(200, { "content-type": "text/event-stream", "x-vercel-ai-ui-message-stream": "v1" }).end('data: {"type":"start"}\n\n'),
    );
    const stream = await post(via(ui));
    expect(stream.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
  });

  it("turns HTML and every other type into a sandboxed download", async () => {
    const types = ["text/html", "text/html; charset=utf-8", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/pdf", "text/javascript", "multipart/x-mixed-replace; boundary=x", "text/plain, text/html", "application/json, text/html", "", null];
    for (const type of types) {
      const res = await post(via(await serving(type)));
      expect([type, res.status, res.headers.get("content-type"), res.headers.get("content-disposition")]).toEqual([type, 200, "application/octet-stream", "attachment"]);
      expect(res.headers.get("content-security-policy")).toMatch(/^sandbox; default-src 'none'/);
      expect(await res.text()).toBe(PAGE); // the bytes, not a page
    }
    // Error statuses too: a 402 or a 500 with an HTML body is no page of ours either.
    const failing = await double((_req, res) => res.writeHead(500, { "content-type": "text/html" }).end(PAGE));
    const res = await post(via(failing));
    expect([res.status, res.headers.get("content-type"), res.headers.get("content-disposition")]).toEqual([500, "application/octet-stream", "attachment"]);
  });
});

describe("POST /api/proxy serves this app's own chat only", () => {
  async function counted(): Promise<{ url: string; hits: () => number }> {
    let hits = 0;
    const url = await double((_req, res) => (hits++, res.writeHead(200, { "content-type": "application/json" }).end("{}")));
    return { url, hits: () => hits };
  }
  const codeOf = async (res: Response) => [res.status, ((await res.json()) as { error: { code: string } }).error.code];

  it("refuses a request the browser marks as cross-site, before reaching the target", async () => {
    const target = await counted();
    for (const headers of <Array<Record<string, string>>>[
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { origin: "http://evil.example" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site", origin: app.url }, // Sec-Fetch-Site is the browser's word
    ]) {
      expect([headers, ...(await codeOf(await post(via(target.url), { headers })))]).toEqual([headers, 403, "cross_site"]);
    }
    expect(target.hits()).toBe(0);
    // The app's own pages: same-origin.
    const ok = await post(via(target.url), { headers: { "sec-fetch-site": "same-origin", origin: app.url } });
    expect(ok.status).toBe(200);
    expect(target.hits()).toBe(1);
  });

  it("refuses a request without the chat's header (what a form or a simple request sends)", async () => {
    const target = await counted();
    const form = await fetch(via(target.url), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=1" });
    expect(await codeOf(form)).toEqual([403, "client_header_required"]);
    const wrong = await fetch(via(target.url), { method: "POST", headers: { "x-requested-by": "someone-else" }, body: "{}" });
    expect(await codeOf(wrong)).toEqual([403, "client_header_required"]);
    expect(target.hits()).toBe(0);
  });
});

describe("POST /api/proxy never reaches the app or its chain RPC", () => {
  const codeOf = async (res: Response) => [res.status, ((await res.json()) as { error: { code: string } }).error.code];

  /** anvil_setBalance through the proxy, as the attack did; the balance shows whether it reached the chain. */
  async function setBalanceVia(proxied: string): Promise<Response> {
    return post(proxied, { headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "anvil_setBalance", params: [VICTIM, "0xde0b6b3a7640000"] }) });
  }
  const VICTIM = "0x000000000000000000000000000000000000dEaD";
  const ethOf = (address: `0x${string}`) => createPublicClient({ transport: http(stack.anvil.rpcUrl) }).getBalance({ address });

  it("refuses the chain RPC at its URL and at any other spelling of its address", async () => {
    const port = new URL(stack.anvil.rpcUrl).port;
    for (const rpc of [stack.anvil.rpcUrl, `http://localhost:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`, `http://127.0.0.1:${port}/anything`]) {
      const res = await setBalanceVia(via(rpc));
      expect([rpc, ...(await codeOf(res))]).toEqual([rpc, 403, "blocked_target"]);
    }
    expect(await ethOf(VICTIM)).toBe(0n);
  });

  it("refuses the chain RPC through a redirect", async () => {
    const redirect = await double((_req, res) => res.writeHead(307, { location: stack.anvil.rpcUrl }).end());
    const res = await setBalanceVia(via(redirect));
    expect(await codeOf(res)).toEqual([403, "blocked_target"]);
    expect(await ethOf(VICTIM)).toBe(0n);
  });

  it("refuses the app itself, directly and through a redirect back into the proxy: one request stays one", async () => {
    let hits = 0;
    // A target that sends the proxy back to the proxy, with itself as the target again.
    const loop: string = await double((_req, res) => {
      hits++;
      res.writeHead(307, { location: via(loop) }).end();
    });
    expect(await codeOf(await post(via(`${app.url}/api/proxy?url=${encodeURIComponent(loop)}`)))).toEqual([403, "blocked_target"]);
    expect(hits).toBe(0);
    expect(await codeOf(await post(via(loop)))).toEqual([403, "blocked_target"]);
    expect(hits).toBe(1);
  });

  it("refuses where the app listens (HOST, PORT), whatever host the request came in by", async () => {
    const saved = { HOST: process.env.HOST, PORT: process.env.PORT, OUTBOUND_URL_POLICY: process.env.OUTBOUND_URL_POLICY };
    const refusal = async (res: Response) => [res.status, ((await res.json()) as { error: { message: string } }).error.message];
    const target = await double((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    const { port } = new URL(target);
    // The request reached "the app" under a name that is not the target's: only HOST and PORT can tell.
    const call = (url: string) => relay(new Request(`http://chat.example/api/proxy?url=${encodeURIComponent(url)}`, { method: "POST", headers: CLIENT, body: "{}" }));
    try {
      process.env.HOST = "127.0.0.1";
      process.env.PORT = port;
      for (const url of [target, target.replace("127.0.0.1", "localhost"), target.replace("127.0.0.1", "[::ffff:7f00:1]")]) {
        expect([url, ...(await refusal(await call(url)))]).toEqual([url, 403, expect.stringMatching(/is this app\b/)]);
      }
      // Listening on every interface: every local address at that port is the app (loopback allowed by choice here,
      // since an exposed app defaults to the public policy, which refuses loopback anyway).
      process.env.HOST = "0.0.0.0";
      process.env.OUTBOUND_URL_POLICY = "loopback";
      expect(await refusal(await call(target.replace("127.0.0.1", "127.0.0.2")))).toEqual([403, expect.stringMatching(/is this app \(it listens on every local address/)]);
      // Another port is another service.
      process.env.PORT = String(Number(port) + 1);
      expect((await call(target)).status).toBe(200);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
