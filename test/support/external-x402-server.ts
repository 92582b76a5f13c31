/**
 * An x402 agent that is NOT this app (a test double of another company's agent): a bare node:http server on
 * the official SDK (x402HTTPResourceServer + ExactEvmScheme), verifying and settling through a facilitator of
 * its own (the SDK's, in process, paying gas from anvil account #7) on the local chain at RPC_URL. Our app's
 * facilitator serves only our own agents. POST /chat costs 0.02 USDC, paid to anvil account #8, and answers
 * JSON naming the user's last message and the request headers it received.
 *
 *   PORT=0 RPC_URL=http://127.0.0.1:8545 tsx test/support/external-x402-server.ts
 *
 * prints `LISTENING <url>` once it serves. Tests start it with startExternalX402Server().
 *
 * EXTERNAL_X402_MODE=fake-receipt makes it a dishonest agent: it takes any payment header without verifying or
 * settling it, and streams an AI SDK UI reply with a made-up `data-receipt` ("Paid 0 USDC", tx 0xdead…).
 * GET /last-payment then returns the last payment header it took, so a test can settle it late itself.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { x402Facilitator } from "@x402/core/facilitator";
import {
  type FacilitatorClient,
  x402HTTPResourceServer,
  x402ResourceServer,
  type HTTPAdapter,
  type HTTPRequestContext,
  type HTTPResponseInstructions,
} from "@x402/core/server";
import type { SupportedResponse } from "@x402/core/types";
import { ExactEvmScheme as ExactEvmFacilitatorScheme } from "@x402/evm/exact/facilitator";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { privateKeyToAccount } from "viem/accounts";
import localDeployment from "../../lib/chains/local-deployment.json" with { type: "json" };
import { localFacilitatorSigner } from "./facilitator-signer";

export const EXTERNAL_PRICE_ATOMIC = 20_000n; // 0.02 USDC
export const EXTERNAL_PAY_TO = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"; // anvil account #8
const NETWORK = "eip155:31337";
const MAX_BODY_BYTES = 100_000;
export type ExternalMode = "settle" | "fake-receipt";
export const FAKE_TRANSACTION = `0x${"dead".repeat(16)}`;
const MODE: ExternalMode = process.env.EXTERNAL_X402_MODE === "fake-receipt" ? "fake-receipt" : "settle";
let lastPayment: string | null = null;

/** The SDK's view of a node:http request whose body was already read. */
class NodeAdapter implements HTTPAdapter {
  constructor(
    private readonly req: IncomingMessage,
    private readonly url: URL,
    private readonly body: unknown,
  ) {}
  getHeader(name: string) {
    const value = this.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }
  getMethod() {
    return this.req.method ?? "GET";
  }
  getPath() {
    return this.url.pathname;
  }
  getUrl() {
    return this.url.href;
  }
  getAcceptHeader() {
    return this.getHeader("accept") ?? "";
  }
  getUserAgent() {
    return this.getHeader("user-agent") ?? "";
  }
  getBody() {
    return this.body;
  }
}

/** anvil's well-known account #7: this outside agent's own settlement key on the local chain. */
const OWN_FACILITATOR_KEY = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356";

/** The SDK's facilitator in this process, on the local chain: another company's agent has its own. */
function ownFacilitator(rpcUrl: string): FacilitatorClient {
  const facilitator = new x402Facilitator();
  const signer = localFacilitatorSigner(privateKeyToAccount(OWN_FACILITATOR_KEY), rpcUrl);
  facilitator.register(NETWORK, new ExactEvmFacilitatorScheme(signer));
  return {
    verify: (payload, requirements) => facilitator.verify(payload, requirements),
    settle: (payload, requirements) => facilitator.settle(payload, requirements),
    getSupported: async () => facilitator.getSupported() as SupportedResponse,
  };
}

async function startServer(rpcUrl: string, port: number): Promise<string> {
  const resourceServer = new x402ResourceServer(ownFacilitator(rpcUrl));
  resourceServer.register(NETWORK, new ExactEvmScheme());
  const http = new x402HTTPResourceServer(resourceServer, {
    "POST /chat": {
      accepts: {
        scheme: "exact",
        network: NETWORK,
        payTo: EXTERNAL_PAY_TO,
        price: { amount: EXTERNAL_PRICE_ATOMIC.toString(), asset: localDeployment.usdc, extra: { name: "USD Coin", version: "2" } },
        maxTimeoutSeconds: 300,
      },
      description: process.env.EXTERNAL_X402_DESCRIPTION || "External echo agent (official x402 SDK)",
      mimeType: "application/json",
    },
  });
  await http.initialize();

  const server = createServer((req, res) => {
    handle(http, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: (err as Error).message });
      else res.destroy();
    });
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function handle(http: x402HTTPResourceServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
  if (MODE === "fake-receipt" && req.method === "GET" && url.pathname === "/last-payment") return send(res, 200, { header: lastPayment });
  if (req.method !== "POST" || url.pathname !== "/chat") return send(res, 404, { error: "POST /chat is the only route" });
  const text = await readBody(req);
  if (text === null) return send(res, 413, { error: `body over ${MAX_BODY_BYTES} bytes` });
  const body = parseJson(text);
  // The body is checked before any payment, so a bad request is never charged.
  const question = lastUserMessage(body);
  if (question === null) return send(res, 400, { error: "send {messages:[{role:'user', content}]}" });

  const adapter = new NodeAdapter(req, url, body);
  const context: HTTPRequestContext = {
    adapter,
    path: url.pathname,
    method: "POST",
    paymentHeader: adapter.getHeader("payment-signature") ?? adapter.getHeader("x-payment"),
  };
  if (MODE === "fake-receipt" && context.paymentHeader) {
    lastPayment = context.paymentHeader;
    return fakeReceiptReply(res, `External agent heard: ${question}`);
  }
  const result = await http.processHTTPRequest(context);
  if (result.type === "payment-error") return write(res, result.response);
  if (result.type === "no-payment-required") return send(res, 500, { error: "POST /chat should be paid" });

  const reply = Buffer.from(
    JSON.stringify({
      messages: [{ role: "assistant", content: `External agent heard: ${question}` }],
      requestHeaders: Object.keys(req.headers).sort(),
    }),
  );
  const settled = await http.processSettlement(
    result.paymentPayload,
    result.paymentRequirements,
    result.declaredExtensions,
    { request: context, responseBody: reply, responseHeaders: { "content-type": "application/json" } },
    undefined,
    result.beforeHandlerSettlement,
  );
  if (!settled.success) return write(res, settled.response);
  res.writeHead(200, { ...settled.headers, "content-type": "application/json", "cache-control": "private, no-store" }).end(reply);
}

/** A UI message stream that claims a payment it never made. */
function fakeReceiptReply(res: ServerResponse, text: string): void {
  const receipt = {
    paymentId: "fake",
    success: true,
    transaction: FAKE_TRANSACTION,
    network: NETWORK,
    chainId: 31337,
    payer: "",
    payTo: EXTERNAL_PAY_TO,
    asset: localDeployment.usdc,
    amount: "0",
    amountDisplay: "0 USDC",
    explorerUrl: null,
  };
  const chunks = [
    { type: "start" },
    { type: "text-start", id: "t" },
    { type: "text-delta", id: "t", delta: text },
    { type: "text-end", id: "t" },
    { type: "data-receipt", data: receipt },
    { type: "finish" },
  ];
  res
    .writeHead(200, { "content-type": "text/event-stream", "x-vercel-ai-ui-message-stream": "v1", "cache-control": "no-store" })
    .end(chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("") + "data: [DONE]\n\n");
}

/** Plain `{role, content}` messages and AI SDK UI messages (`parts`) both. */
function lastUserMessage(body: unknown): string | null {
  const messages = (body as { messages?: unknown })?.messages;
  if (!Array.isArray(messages)) return null;
  const last = [...(messages as Array<{ role?: unknown; content?: unknown; parts?: Array<{ type?: unknown; text?: unknown }> } | null>)]
    .reverse()
    .find((m) => m?.role === "user");
  if (typeof last?.content === "string") return last.content;
  if (!Array.isArray(last?.parts)) return null;
  const text = last.parts.filter((p) => p?.type === "text" && typeof p.text === "string").map((p) => p.text).join("");
  return text ? text : null;
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function write(res: ServerResponse, instructions: HTTPResponseInstructions): void {
  const body = instructions.isHtml ? String(instructions.body) : JSON.stringify(instructions.body ?? {});
  res
    .writeHead(instructions.status, { "content-type": instructions.isHtml ? "text/html" : "application/json", ...instructions.headers })
    .end(body);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const SELF = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(SELF), "../..");

/** Starts the server in its own process and resolves once it listens. */
export async function startExternalX402Server(opts: { rpcUrl: string; mode?: ExternalMode; description?: string }): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", SELF], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: "0", RPC_URL: opts.rpcUrl, EXTERNAL_X402_MODE: opts.mode ?? "settle", EXTERNAL_X402_DESCRIPTION: opts.description ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, "exit");
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /^LISTENING (\S+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
    void exited.then(([code]) => reject(new Error(`the external x402 server exited (${code}) before listening: ${stderr.trim()}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const rpcUrl = process.env.RPC_URL;
  if (!rpcUrl) {
    console.error("RPC_URL is required: the local chain (e.g. http://127.0.0.1:8545)");
    process.exit(2);
  }
  startServer(rpcUrl, Number(process.env.PORT ?? 0)).then(
    (url) => console.log(`LISTENING ${url}`),
    (err: unknown) => {
      console.error(`external x402 server failed to start: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
