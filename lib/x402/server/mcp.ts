import "server-only";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentRequired, SettleResponse } from "@x402/core/types";
import { z } from "zod/v4";
import { catalog } from "@/lib/agents/catalog";
import { MAX_MESSAGE_CHARS } from "@/lib/agents/request";
import { isErrorCode, type ErrorCode } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/body";
import { jsonError } from "@/lib/http/json";
import { RateLimiter } from "@/lib/http/rate-limit";
import { corsHeaders } from "./cors";
import { HOW_TO_PAY_URI, PAYMENT_EXTENSION, PAYMENT_META, PAYMENT_RESPONSE_META } from "./mcp-manifest";
import { handlePaidAgentChat, handlePaidAgentGet } from "./paid-chat";

/**
 * The MCP server at /api/mcp: agents hiring agents. Three tools (list_agents, get_quote, chat_with_agent) and a
 * resource on how to pay, over the SDK's streamable HTTP transport, stateless (a server per request, JSON replies).
 *
 * Payment follows x402's MCP transport (specs/transports-v2/mcp.md): the PaymentPayload comes in
 * `params._meta["x402/payment"]`, the SettleResponse goes out in `result._meta["x402/payment-response"]`; an unpaid
 * or refused call is a tool result with `isError: true` and the PaymentRequired in `structuredContent` and as JSON
 * in `content[0].text` (the tool-result binding), or, when the request's client capabilities advertise
 * `org.x402/payment`, a `resultType: "payment_required"` result (the extension binding).
 *
 * A paid call is the HTTP route itself: the tool hands the paid chat handler the request it would get over HTTP
 * (the payload as its PAYMENT-SIGNATURE, JSON reply mode), so the quote, verification, the ledger's claim (replays
 * refused), the run and its settlement (a failed run voided, not charged) are the route's one path, and this module
 * only translates its answer into MCP's.
 */

const CLIENT_CAPABILITIES_META = "io.modelcontextprotocol/clientCapabilities";
const PROTOCOL_VERSION_META = "io.modelcontextprotocol/protocolVersion";
/** The MCP revision whose results carry `resultType`, and which the extension binding requires. */
const RESULT_TYPE_REVISION = "2026-07-28";

/** One JSON-RPC message with a 16k-character message, a payment and its meta fit with room to spare. */
const MAX_MCP_BODY_BYTES = 128 * 1024;
/** Paid calls per payer per minute: each costs a verification; the same bound as our facilitator's settlements. */
const PAID_CALLS_PER_PAYER = 30;
const paidCallLimiter = new RateLimiter(60_000, PAID_CALLS_PER_PAYER);

const HOW_TO_PAY = `# Paying an agent over MCP (x402)

Each agent's reply costs its price in USDC (\`list_agents\` shows prices, networks and schemes).

1. Call \`chat_with_agent\` with \`{agentId, message, toolkits?}\` and no payment. The result has \`isError: true\` and
   the x402 \`PaymentRequired\` object in \`structuredContent\` (and as JSON in \`content[0].text\`). If your request's
   \`_meta["${CLIENT_CAPABILITIES_META}"].extensions\` has \`"${PAYMENT_EXTENSION}"\`, you get
   \`{resultType: "payment_required", paymentRequired}\` instead. \`get_quote\` returns the same object without a call.
2. Sign a \`PaymentPayload\` for one of its \`accepts\` with an x402 client (e.g. \`@x402/core\`'s client with the
   \`@x402/evm\` exact scheme: an EIP-3009 USDC authorization of exactly the price to the agent's payTo).
3. Call \`chat_with_agent\` again with the payload in \`params._meta["${PAYMENT_META}"]\`.
4. The reply comes with the settlement in \`result._meta["${PAYMENT_RESPONSE_META}"]\`
   (\`{success, transaction, network, payer}\`) and the receipt in \`structuredContent.payment\`.

A payload pays for one reply: sent again it is refused (\`payment_already_used\`). A reply that fails before the
agent answers, or whose every tool call failed, is not charged (the authorization is never settled).
`;

const AgentId = z.string().min(1).max(100).describe("The agent's id, from list_agents.");

/** POST /api/mcp: one JSON-RPC message (or batch), answered as JSON. */
export async function handleMcpRequest(req: Request): Promise<Response> {
  const body = await readJsonBody(req, MAX_MCP_BODY_BYTES, { requireJsonType: true });
  if (!body.ok) return jsonError(body.status, body.code, body.message, undefined, corsHeaders);
  const server = mcpServer(req);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await server.connect(transport);
  try {
    const res = await transport.handleRequest(req, { parsedBody: body.value });
    for (const [name, value] of Object.entries(corsHeaders)) res.headers.set(name, value);
    return res;
  } finally {
    // The JSON reply is built by now: nothing of this request's server outlives it.
    void server.close();
  }
}

export function mcpPreflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders,
      "Access-Control-Allow-Methods": "POST, OPTIONS",
      "Access-Control-Allow-Headers": "Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID",
      "Access-Control-Max-Age": "600",
    },
  });
}

function mcpServer(req: Request): McpServer {
  const server = new McpServer(
    { name: "x402-chat", version: "1.0.0" },
    {
      // Until the SDK has MCP 2026-07-28's server/discover, the extension is announced among experimental capabilities.
      capabilities: { experimental: { [PAYMENT_EXTENSION]: {} } },
      instructions: `Paid AI agents. list_agents, then chat_with_agent paying over x402; read ${HOW_TO_PAY_URI} for how.`,
    },
  );

  server.registerTool(
    "list_agents",
    { description: "The agents you can hire: id, description, price per message in USDC, network, payTo and x402 schemes.", annotations: { readOnlyHint: true } },
    () => {
      const agents = catalog();
      return { content: [{ type: "text", text: JSON.stringify({ agents }) }], structuredContent: { agents } };
    },
  );

  server.registerTool(
    "get_quote",
    {
      description: "An agent's x402 PaymentRequired: what chat_with_agent costs and how it may be paid (the HTTP route's PAYMENT-REQUIRED).",
      inputSchema: { agentId: AgentId },
      annotations: { readOnlyHint: true },
    },
    async ({ agentId }) => {
      const quote = await quoteOf(req, agentId);
      if ("error" in quote) return toolError(quote.error.code, quote.error.message);
      return { content: [{ type: "text", text: JSON.stringify(quote.paymentRequired) }], structuredContent: { ...quote.paymentRequired } };
    },
  );

  server.registerTool(
    "chat_with_agent",
    {
      description: `Ask an agent one message; paid per reply over x402 (see ${HOW_TO_PAY_URI}). Unpaid, it answers with the PaymentRequired.`,
      inputSchema: {
        agentId: AgentId,
        message: z.string().min(1).max(MAX_MESSAGE_CHARS).describe("Your message to the agent."),
        toolkits: z.array(z.string().max(50)).max(20).optional().describe("Of the agent's capabilities, the toolkits it may use."),
      },
    },
    async ({ agentId, message, toolkits }, extra) => {
      const extension = advertisesExtension(extra._meta);
      const payment = extra._meta?.[PAYMENT_META];
      if (payment !== undefined) {
        const slot = paidCallLimiter.take(payerOf(payment));
        if (!slot.ok) return toolError("rate_limited", `Too many paid calls for this payer; try again in ${Math.ceil(slot.retryAfterMs / 1000)} s.`);
      }
      const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
      if (payment !== undefined) headers["PAYMENT-SIGNATURE"] = encodePaymentSignatureHeader(payment as never);
      const res = await handlePaidAgentChat(
        routeRequest(req, agentId, {
          method: "POST",
          headers,
          body: JSON.stringify({ messages: [{ role: "user", content: message }], ...(toolkits && { selectedToolkits: toolkits }) }),
          signal: AbortSignal.any([req.signal, extra.signal]),
        }),
        agentId,
      );
      return withResultType(await chatResult(req, agentId, res, extension), extension || speaksResultTypes(extra._meta));
    },
  );

  server.registerResource(
    "how-to-pay",
    HOW_TO_PAY_URI,
    { title: "How to pay an agent over MCP", description: "The x402 payment flow of chat_with_agent, step by step.", mimeType: "text/markdown" },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: "text/markdown", text: HOW_TO_PAY }] }),
  );

  return server;
}

/** The paid chat route's answer as an MCP tool result. */
async function chatResult(req: Request, agentId: string, res: Response, extension: boolean): Promise<CallToolResult> {
  if (res.ok) {
    const reply = (await res.json()) as { messages: Array<{ content: string }>; reasoning: string; toolCalls: unknown[]; usage: unknown; payment: unknown };
    const text = reply.messages.map((m) => m.content).join("\n");
    const header = res.headers.get("PAYMENT-RESPONSE");
    // A settlement still pending has no transaction to report: the receipt in structuredContent says so.
    const settled: SettleResponse | null = header ? decodePaymentResponseHeader(header) : null;
    return {
      content: [{ type: "text", text }],
      structuredContent: { agentId, reply: text, reasoning: reply.reasoning, toolCalls: reply.toolCalls, usage: reply.usage, payment: reply.payment },
      ...(settled && { _meta: { [PAYMENT_RESPONSE_META]: settled } }),
    };
  }
  const failure = await readError(res);
  const header = res.headers.get("PAYMENT-REQUIRED");
  if (header) return paymentRequiredResult(decodePaymentRequiredHeader(header), failure.message, extension);
  // Refusals of the payment that carry no quote (a replay, a settlement that failed): the quote, with that reason.
  if (failure.code === "payment_already_used" || failure.code === "settlement_failed") {
    const quote = await quoteOf(req, agentId);
    if ("paymentRequired" in quote) return paymentRequiredResult({ ...quote.paymentRequired, error: failure.code }, failure.message, extension);
  }
  return toolError(failure.code, failure.message);
}

/** A payment is needed (or was refused): the binding the client can read. */
function paymentRequiredResult(paymentRequired: PaymentRequired, message: string, extension: boolean): CallToolResult {
  if (extension) return { resultType: "payment_required", paymentRequired, content: [] };
  return {
    isError: true,
    structuredContent: { ...paymentRequired },
    // content[0] is the PaymentRequired itself, per the binding; the sentence for people comes after it.
    content: [
      { type: "text", text: JSON.stringify(paymentRequired) },
      { type: "text", text: message },
    ],
  };
}

/** On MCP 2026-07-28 (which a client advertising the extension speaks) a complete tool result says so. */
function withResultType(result: CallToolResult, resultTypes: boolean): CallToolResult {
  return resultTypes && result.resultType === undefined ? { resultType: "complete", ...result } : result;
}

/** The request says it speaks MCP 2026-07-28 or later (revisions are dates, so they compare as strings). */
function speaksResultTypes(meta: Record<string, unknown> | undefined): boolean {
  const version = meta?.[PROTOCOL_VERSION_META];
  return typeof version === "string" && version >= RESULT_TYPE_REVISION;
}

function toolError(code: ErrorCode, message: string): CallToolResult {
  return { isError: true, structuredContent: { error: { code, message } }, content: [{ type: "text", text: `${code}: ${message}` }] };
}

/** The agent's quote from the paid route's GET, as its 402's PAYMENT-REQUIRED carries it. */
async function quoteOf(req: Request, agentId: string): Promise<{ paymentRequired: PaymentRequired } | { error: { code: ErrorCode; message: string } }> {
  const res = await handlePaidAgentGet(routeRequest(req, agentId, { method: "GET", signal: req.signal }), agentId);
  const header = res.headers.get("PAYMENT-REQUIRED");
  if (res.status === 402 && header) return { paymentRequired: decodePaymentRequiredHeader(header) };
  return { error: await readError(res) };
}

/**
 * The request the paid route would get for this agent over HTTP: its URL on this origin, and the Host and proxy
 * headers it is addressed by, so the quote's resource (and what the payment is checked against) is the route's own.
 */
function routeRequest(req: Request, agentId: string, init: RequestInit & { headers?: Record<string, string> }): Request {
  const url = new URL(`/api/x402/${encodeURIComponent(agentId)}/chat`, req.url);
  const headers = new Headers(init.headers);
  for (const name of ["host", "x-forwarded-host", "x-forwarded-proto"]) {
    const value = req.headers.get(name);
    if (value) headers.set(name, value);
  }
  return new Request(url, { ...init, headers });
}

async function readError(res: Response): Promise<{ code: ErrorCode; message: string }> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: unknown; message?: unknown } | string; message?: unknown } | null;
  // A 402 body is x402's v1 shape: `error` is the code, `message` the sentence.
  const code = typeof body?.error === "string" ? body.error : body?.error?.code;
  const message = typeof body?.message === "string" ? body.message : typeof body?.error === "object" ? body.error.message : undefined;
  return {
    code: isErrorCode(code) ? code : res.status === 402 ? "payment_required" : "bad_gateway",
    message: typeof message === "string" ? message : `The agent's route answered ${res.status}.`,
  };
}

function advertisesExtension(meta: Record<string, unknown> | undefined): boolean {
  const capabilities = meta?.[CLIENT_CAPABILITIES_META] as { extensions?: Record<string, unknown> } | undefined;
  const extension = capabilities?.extensions?.[PAYMENT_EXTENSION];
  return typeof extension === "object" && extension !== null;
}

/** The payer a payload claims (exact's authorization.from), for the rate limit; the route verifies it. */
function payerOf(payment: unknown): string {
  const from = (payment as { payload?: { authorization?: { from?: unknown } } } | null)?.payload?.authorization?.from;
  return typeof from === "string" ? from.toLowerCase() : "unattributed";
}
