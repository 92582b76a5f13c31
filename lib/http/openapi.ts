/**
 * The OpenAPI 3.1 description of every route this app serves (/openapi.json). Request bodies are the zod schemas
 * the handlers validate with (beside each route, or in its lib module), as JSON Schema.
 * test/openapi.test.ts checks that each route handler under app/ appears here.
 */

import { z } from "zod/v4";
import { FaucetRequest } from "@/app/api/faucet/schema";
import { PaymentLookup, ReplyAccessBody } from "@/app/api/payments/[nonce]/schema";
import { ProbeRequest } from "@/app/api/probe/schema";
import { PAYMENT_SCHEMES } from "@/lib/agents/pricing";
import { chatRequestJsonSchema } from "@/lib/agents/request";
import { toJsonSchema } from "./schema";

/** What every route's jsonError answers (lib/http/json.ts). */
const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

const json = (schema: object, description = "OK") => ({ description, content: { "application/json": { schema } } });
const body = (schema: z.ZodType) => ({ required: true, content: { "application/json": { schema: toJsonSchema(schema) } } });
const error = (description: string) => json(toJsonSchema(ErrorBody), description);
const agentIdParam = { name: "agentId", in: "path", required: true, schema: { type: "string", format: "uuid" } };

const usdc = (description: string) => ({ type: "string", pattern: "^\\d+(\\.\\d{1,6})?$", description });
const schemes = { type: "array", items: { type: "string", enum: [...PAYMENT_SCHEMES] }, description: "x402 schemes the 402 offers: exact (one payment per message) and, where a facilitator here serves tabs, batch-settlement (a tab: one deposit, then a voucher per message)" };

/** lib/agents/pricing.ts PricingSummary. */
const pricing = {
  type: "object",
  required: ["maxPerMessage", "tokens", "description"],
  properties: {
    maxPerMessage: usdc("USDC: what exact pays per message, and the most a tab charges for one"),
    tokens: {
      type: ["object", "null"],
      description: "A tab's token pricing: each reply is charged max(minimum, ceil(input × inputPerMillion + output × outputPerMillion) / 10⁶, rounded up to the atomic unit), never above maxPerMessage; 0 when nothing was delivered. null: a tab is charged maxPerMessage",
      required: ["inputPerMillion", "outputPerMillion", "minimum"],
      properties: { inputPerMillion: usdc("USDC per million input tokens"), outputPerMillion: usdc("USDC per million output tokens"), minimum: usdc("USDC at least, per delivered reply") },
    },
    description: { type: "string", description: "The same in words" },
  },
};

/** lib/agents/catalog.ts CatalogEntry. */
const catalogAgent = {
  type: "object",
  required: ["id", "name", "description", "capabilities", "price", "schemes", "pricing", "network", "payTo", "model", "status", "endpoint"],
  properties: {
    id: { type: "string", format: "uuid" },
    name: { type: "string" },
    description: { type: "string" },
    capabilities: { type: "array", items: { type: "string" } },
    price: usdc("USDC: the per-message maximum (= pricing.maxPerMessage)"),
    schemes,
    pricing,
    network: { type: "object", properties: { key: { type: "string" }, name: { type: "string" }, chainId: { type: "integer" }, caip2: { type: "string" } } },
    payTo: { type: "string" },
    model: { type: "string" },
    status: { type: "string", enum: ["available", "degraded", "unavailable"] },
    statusReason: { type: "string" },
    endpoint: { type: "string", description: "Path of the paid chat route" },
  },
};

/** lib/x402/server/discovery.ts x402Manifest. */
const manifest = {
  type: "object",
  properties: {
    x402Version: { type: "integer" },
    facilitator: { type: "object" },
    mcp: { type: "object", description: "The MCP server (/api/mcp): its URL, tools, how-to-pay resource and x402 MCP payment metadata keys" },
    networks: { type: "array" },
    resources: {
      type: "array",
      items: {
        type: "object",
        properties: {
          resource: { type: "string", format: "uri" },
          method: { type: "string" },
          agentId: { type: "string", format: "uuid" },
          priceUsdc: usdc("USDC: the per-message maximum"),
          schemes,
          pricing,
          status: { type: "string" },
          accepts: { type: "array", description: "One entry per scheme, amount = the per-message maximum; a tab's 402 adds receiverAuthorizer and withdrawDelay to extra", items: { type: "object" } },
        },
      },
    },
  },
};

const paidChat = {
  summary: "Chat with an agent, paid per message over x402",
  parameters: [
    agentIdParam,
    { name: "PAYMENT-SIGNATURE", in: "header", required: false, schema: { type: "string" }, description: "x402 v2 payment proof (base64 JSON)" },
    { name: "X-PAYMENT", in: "header", required: false, schema: { type: "string" }, description: "x402 v1 payment proof (base64 JSON)" },
  ],
  requestBody: { required: true, content: { "application/json": { schema: chatRequestJsonSchema } } },
  responses: {
    "200": {
      description:
        "The reply as an AI SDK UI message stream (text, reasoning, tool calls, data-usage, data-receipt); with Accept: application/json, the whole reply and a PAYMENT-RESPONSE header.",
      content: { "text/event-stream": { schema: { type: "string" } }, "application/json": { schema: { type: "object" } } },
    },
    "400": error("Invalid body"),
    "402": json({ type: "object", properties: { x402Version: { type: "integer" }, error: { type: "string" }, accepts: { type: "array" } } }, "Payment required: the quote (PAYMENT-REQUIRED header, v1-style body); accepts offers exact, then batch-settlement (a tab), both at the per-message maximum"),
    "404": error("Unknown agent"),
    "409": error("This payment authorization was already used"),
    "503": error("The agent or the facilitator is unavailable"),
  },
};

const apiKeyParam = { name: "apiKey", in: "path", required: true, schema: { type: "string" } };

const facilitatorRequest = {
  requestBody: {
    required: true,
    content: {
      "application/json": {
        schema: { type: "object", required: ["x402Version", "paymentPayload", "paymentRequirements"], properties: { x402Version: { type: "integer" }, paymentPayload: { type: "object" }, paymentRequirements: { type: "object" } } },
      },
    },
  },
};

const quoteSchema = {
  type: "object",
  description: "One quote read from any 402 dialect; `reason` says why it is not payable, or why there is no quote.",
  properties: {
    dialect: { type: "string", enum: ["x402-v2", "x402-v1", "payment-object", "payment-requirements", "price-headers", "none"] },
    scheme: { type: ["string", "null"] },
    network: { type: ["string", "null"], description: "CAIP-2" },
    chainId: { type: ["integer", "null"] },
    asset: { type: ["string", "null"] },
    amount: { type: ["object", "null"], properties: { atomic: { type: "string" }, display: { type: "string" } } },
    payTo: { type: ["string", "null"] },
    resource: { type: ["string", "null"] },
    description: { type: ["string", "null"] },
    maxTimeoutSeconds: { type: ["integer", "null"] },
    extra: { type: ["object", "null"] },
    payable: { type: "boolean" },
    reason: { type: ["string", "null"] },
    raw: { description: "The v2 PaymentRequired or the v1 accepts entry a payer signs for" },
    toolkits: { type: "array", items: { type: "string" }, description: "The toolkits the URL's origin lists for it in /.well-known/x402, when it does" },
  },
};

const probeRoute = {
  summary: "Read an agent URL's price without paying (x402 v2/v1 and the 402 shapes found in the wild)",
  requestBody: body(ProbeRequest),
  responses: {
    "200": json({ type: "object", properties: { url: { type: "string" }, status: { type: ["integer", "null"] }, quote: quoteSchema } }, "The quote; a URL that did not answer 402, timed out or sent garbage has dialect none and a reason"),
    "400": error("Invalid body, or a URL that is not http(s)"),
    "403": error("The outbound URL policy (OUTBOUND_URL_POLICY) refuses the URL's address"),
    "413": error("Body too large"),
  },
};

const proxyRoute = {
  summary: "Call a remote agent for this app's chat (same origin only): forwards content-type, accept, PAYMENT-SIGNATURE, X-PAYMENT and X-Payment-Network; streams the answer back with PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE, cache-control and x-vercel-ai-ui-message-stream, under CSP sandbox. JSON, text/event-stream and text/plain keep their type; anything else comes back as an application/octet-stream attachment. Never reaches this app or its chain RPCs",
  parameters: [
    { name: "url", in: "query", required: true, schema: { type: "string", format: "uri" }, description: "The agent URL (encoded)" },
    { name: "X-Requested-By", in: "header", required: true, schema: { type: "string", enum: ["x402-chat"] }, description: "Sent by the chat; a form cannot send it" },
    { name: "PAYMENT-SIGNATURE", in: "header", required: false, schema: { type: "string" } },
    { name: "X-PAYMENT", in: "header", required: false, schema: { type: "string" } },
  ],
  requestBody: { required: false, content: { "application/json": { schema: { type: "object" } } } },
  responses: {
    default: { description: "The agent's own answer (status and body), relayed" },
    "400": error("Missing or non-http(s) URL"),
    "403": error("cross_site (another site's request), client_header_required (no X-Requested-By), or blocked_target (the outbound URL policy, this app or its chain RPC)"),
    "413": error("Body larger than 2 MB"),
    "502": error("The agent is unreachable, redirects too often, or answers more than 10 MB"),
    "504": error("The agent did not answer in time"),
  },
};

const mcpRoute = {
  summary: "MCP server (streamable HTTP, stateless, JSON replies): tools list_agents, get_quote and chat_with_agent (paid per x402's MCP transport: PaymentPayload in params._meta[\"x402/payment\"], SettleResponse in result._meta[\"x402/payment-response\"]), resource x402chat://docs/how-to-pay",
  requestBody: { required: true, content: { "application/json": { schema: { type: "object", description: "A JSON-RPC 2.0 message" } } } },
  responses: {
    "200": json({ type: "object", description: "The JSON-RPC response" }),
    "413": error("body_too_large: more than 128 KiB"),
    "415": error("unsupported_media_type: not application/json"),
  },
};

const nonceParam = { name: "nonce", in: "path", required: true, schema: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" }, description: "The EIP-3009 authorization's nonce" };
const keptPayment = { type: "object", properties: { paymentId: { type: "string" }, agentId: { type: "string" }, status: { type: "string", enum: ["verified", "settling", "settled", "failed", "voided"] }, transaction: { type: ["string", "null"] }, error: { type: ["string", "null"] }, message: { type: "object", description: "POST only: the assistant's AI SDK UI message as streamed" } } };

const paymentRoute = {
  get: {
    summary: "What this server's ledger says of a payment, by its authorization (status, transaction); never the reply",
    parameters: [nonceParam, ...Object.keys(PaymentLookup.shape).map((name) => ({ name, in: "query", required: true, schema: { type: "string" } }))],
    responses: { "200": json(keptPayment), "400": error("Bad nonce, network, asset or payer"), "404": error("unknown_payment") },
  },
  post: {
    summary: "The payment and its paid reply, kept for a day, for its payer only: signed EIP-712 ReadReply(payer, nonce, expires) in domain {name: \"x402 Chat reply\", version: \"1\", chainId}, expiring within 10 minutes",
    parameters: [nonceParam],
    requestBody: body(ReplyAccessBody),
    responses: {
      "200": json(keptPayment),
      "400": error("Bad request"),
      "403": error("reply_access_denied: not the payer's signature, or its expiry is past or too far"),
      "404": error("unknown_payment, or reply_not_kept (not delivered, or older than a day)"),
      "415": error("Not JSON"),
      "429": error("Too many requests for this payer"),
    },
  },
};

const serviceIdParam = { name: "service_id", in: "query", required: true, schema: { type: "string", maxLength: 100 }, description: "An agent id (GET /api/x402/services lists them)" };

/** lib/x402/server/atelier.ts atelierQuote: Atelier's 402 quote. */
const atelierQuote = {
  type: "object",
  required: ["version", "scheme", "network", "asset", "payTo", "maxAmountRequired", "description", "resource"],
  properties: {
    version: { type: "string" },
    scheme: { type: "string", enum: ["exact"] },
    network: { type: "string", description: "base-mainnet, base-sepolia, or the local chain's CAIP-2 id (eip155:31337)" },
    asset: { type: "object", properties: { currency: { type: "string" }, address: { type: "string" } } },
    payTo: { type: "string" },
    maxAmountRequired: { type: "string", description: "USDC atomic units" },
    description: { type: "string" },
    resource: { type: "string", format: "uri", description: "The pay URL" },
    mimeType: { type: "string" },
  },
};

const atelierRoutes = {
  "/api/x402/services": { get: { summary: "Atelier-style service list: one service per agent, with its quote's network, price, discover and pay URLs", responses: { "200": json({ type: "object", properties: { services: { type: "array", items: { type: "object" } } } }) } } },
  "/api/x402/discover": {
    get: {
      summary: "A service's quote in Atelier's 402 shape (pay by USDC transfer, then prove with the transaction hash)",
      parameters: [serviceIdParam],
      responses: { "402": json({ type: "object", properties: { error: { type: "object" }, payment_requirements: atelierQuote } }, "The quote"), "400": error("No service_id"), "404": error("unknown_service"), "503": error("agent_unavailable") },
    },
  },
  "/api/x402/pay": {
    post: {
      summary: "A brief paid by a USDC transfer to the service's payTo (at least the price, mined within the last hour by the chain's clock), proven by its hash; each hash buys one reply. A run that delivers nothing leaves the hash usable again",
      parameters: [
        serviceIdParam,
        { name: "X-PAYMENT", in: "header", required: false, schema: { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" }, description: "The transfer's transaction hash; without it, the 402 quote" },
        { name: "X-Payment-Network", in: "header", required: false, schema: { type: "string" }, description: "The transfer's network, as the quote names it" },
      ],
      requestBody: { required: true, content: { "application/json": { schema: { anyOf: [toJsonSchema(z.object({ brief: z.string().min(1).max(16_000) })), chatRequestJsonSchema] } } } },
      responses: {
        "200": json({ type: "object", properties: { success: { type: "boolean" }, data: { type: "object", properties: { order_id: { type: "string", format: "uuid" }, status: { type: "string", enum: ["completed"] }, reply: { type: "string" }, usage: { type: "object" }, payment: { type: "object" } } } } }, "The reply"),
        "400": error("Invalid body"),
        "402": error("payment_required / invalid_payment_header / unsupported_network (with payment_requirements), transfer_not_found, transfer_failed, transfer_too_old, or transfer_insufficient (with missing: {atomic, display})"),
        "404": error("unknown_service"),
        "409": error("payment_already_used (the hash bought a reply already) or transfer_in_use (its reply is being written); with order_id"),
        "502": error("agent_failed: nothing delivered; the same hash may be sent again"),
        "503": error("agent_unavailable, chain_unreachable or ledger_unavailable"),
      },
    },
  },
  "/api/x402/trending": { get: { summary: "Agents ranked by paid messages in the ledger (exact, tab charges, paid by transfer)", parameters: [{ name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 50 } }], responses: { "200": json({ type: "object", properties: { trending: { type: "array", items: { type: "object", properties: { service_id: { type: "string" }, name: { type: "string" }, paid_messages: { type: "integer" } } } } } }), "400": error("Bad limit"), "503": error("ledger_unavailable") } } },
  "/api/x402/bazaar": { get: { summary: "The catalog in the x402 Bazaar discovery format (x402Version, items, pagination)", parameters: [{ name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 100 } }, { name: "offset", in: "query", required: false, schema: { type: "integer", minimum: 0 } }], responses: { "200": json({ type: "object", properties: { x402Version: { type: "integer" }, items: { type: "array", items: { type: "object" } }, pagination: { type: "object" } } }), "400": error("Bad limit or offset") } } },
};

export function openApiDocument(origin: string) {
  return {
    openapi: "3.1.0",
    info: { title: "x402 Chat", version: "0.1.0", description: "Pay-per-message AI agents over x402, with their facilitator and discovery." },
    servers: [{ url: origin }],
    paths: {
      "/api/agents": { get: { summary: "The free agent catalog, with each agent's schemes and pricing", responses: { "200": json({ type: "object", required: ["agents"], properties: { agents: { type: "array", items: catalogAgent } } }), "500": error("agents_config_invalid: agents.config.json does not validate") } } },
      "/api/x402/{agentId}/chat": { post: paidChat },
      "/agent/{agentId}/v1/chat": { post: { ...paidChat, summary: "Same as /api/x402/{agentId}/chat" } },
      "/api/facilitator/verify": { post: { summary: "Verify a payment (x402 facilitator)", ...facilitatorRequest, responses: { "200": json({ type: "object", properties: { isValid: { type: "boolean" }, invalidReason: { type: "string" }, payer: { type: "string" } } }), "400": error("Malformed request") } } },
      "/api/facilitator/settle": { post: { summary: "Settle a payment on chain (x402 facilitator)", ...facilitatorRequest, responses: { "200": json({ type: "object", properties: { success: { type: "boolean" }, transaction: { type: "string" }, network: { type: "string" }, payer: { type: "string" } } }), "400": error("Malformed request") } } },
      "/api/facilitator/supported": { get: { summary: "Payment kinds this facilitator serves", responses: { "200": json({ type: "object", properties: { kinds: { type: "array" }, extensions: { type: "array" }, signers: { type: "object" } } }) } } },
      "/api/facilitator/{apiKey}/verify": { post: { summary: "Verify a payment for another seller, through that seller's API key (exact only, for the key owner's payTo)", parameters: [apiKeyParam], ...facilitatorRequest, responses: { "200": json({ type: "object", properties: { isValid: { type: "boolean" }, invalidReason: { type: "string" }, payer: { type: "string" } } }), "400": error("Malformed request"), "401": error("unknown_api_key"), "403": error("api_key_revoked, payee_not_served or network not allowed"), "429": error("The key's rate limit") } } },
      "/api/facilitator/{apiKey}/settle": { post: { summary: "Settle a payment for another seller, through that seller's API key; counted in the key's usage", parameters: [apiKeyParam], ...facilitatorRequest, responses: { "200": json({ type: "object", properties: { success: { type: "boolean" }, transaction: { type: "string" }, network: { type: "string" }, payer: { type: "string" } } }), "400": error("Malformed request"), "401": error("unknown_api_key"), "403": error("api_key_revoked, payee_not_served or network not allowed"), "429": error("The key's rate limit") } } },
      "/api/facilitator/{apiKey}/supported": { get: { summary: "Payment kinds served through this key (exact on the key's networks)", parameters: [apiKeyParam], responses: { "200": json({ type: "object", properties: { kinds: { type: "array" }, extensions: { type: "array" }, signers: { type: "object" } } }), "401": error("unknown_api_key"), "403": error("api_key_revoked") } } },
      "/api/facilitator/keys/session/challenge": { post: { summary: "A sign-in-with-x challenge (nonce, 5 minutes, once) for the /facilitator page", requestBody: { required: true, content: { "application/json": { schema: { type: "object", properties: { address: { type: "string" }, chainId: { type: "integer" } } } } } }, responses: { "200": json({ type: "object" }), "400": error("Bad address or chain"), "403": error("Another site's request") } } },
      "/api/facilitator/keys/session": {
        get: { summary: "The signed-in seller (session cookie), if any", responses: { "200": json({ type: "object", properties: { address: { type: ["string", "null"] } } }) } },
        post: { summary: "Sign in: the signed challenge; sets an httpOnly session cookie", requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } }, responses: { "200": json({ type: "object" }), "400": error("Malformed sign-in"), "401": error("Bad signature, nonce or message"), "403": error("Another site's request") } },
        delete: { summary: "Sign out", responses: { "200": json({ type: "object" }), "403": error("Another site's request") } },
      },
      "/api/facilitator/keys": {
        get: { summary: "The signed-in seller's API keys with their usage (verifications, settlements, volume, gas)", responses: { "200": json({ type: "object", properties: { keys: { type: "array", items: { type: "object" } } } }), "401": error("Not signed in") } },
        post: { summary: "Create a named API key; the key is shown once", requestBody: { required: true, content: { "application/json": { schema: { type: "object", properties: { name: { type: "string" }, networks: { type: "array", items: { type: "string" } }, ratePerMinute: { type: "integer" } } } } } }, responses: { "200": json({ type: "object" }), "400": error("Bad name, networks or rate"), "401": error("Not signed in"), "403": error("Another site's request"), "409": error("Too many active keys") } },
      },
      "/api/facilitator/keys/{id}": { delete: { summary: "Revoke one of the signed-in seller's keys", parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }], responses: { "200": json({ type: "object" }), "401": error("Not signed in"), "403": error("Another site's request"), "404": error("No such key of this seller") } } },
      "/api/bench/{agentId}/chat": { post: { summary: "The unpaid reply, for `npm run bench`: served only when the app runs with BENCH_FREE_ROUTE; otherwise a 404", parameters: [{ name: "agentId", in: "path", required: true, schema: { type: "string" } }], requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } }, responses: { "200": { description: "An AI SDK UI message stream" }, "400": error("invalid_request"), "404": error("Not served without BENCH_FREE_ROUTE, or unknown_agent") } } },
      "/api/rpc/{chainId}/send": { post: { summary: "Broadcast a transaction the browser's wallet signed itself (only to the tab contract, or a USDC transfer); the server signs and pays nothing", parameters: [{ name: "chainId", in: "path", required: true, schema: { type: "integer" } }], requestBody: { required: true, content: { "application/json": { schema: { type: "object", required: ["transaction"], properties: { transaction: { type: "string" } } } } } }, responses: { "200": json({ type: "object", properties: { transaction: { type: "string" } } }), "400": error("Not a signed transaction this route sends"), "403": error("Another site's request"), "404": error("Unknown network"), "429": error("Too many transactions from this wallet"), "502": error("rpc_unavailable") } } },
      "/api/networks/{chainId}/status": { get: { summary: "Live status of a network's RPC", parameters: [{ name: "chainId", in: "path", required: true, schema: { type: "integer" } }], responses: { "200": json({ type: "object", properties: { connected: { type: "boolean" }, blockNumber: { type: "string" }, error: { type: "string" } } }), "404": error("Unknown network") } } },
      "/api/wallet/balances": { get: { summary: "ETH and USDC balance of an address on a network", parameters: [{ name: "chainId", in: "query", required: true, schema: { type: "integer" } }, { name: "address", in: "query", required: true, schema: { type: "string" } }], responses: { "200": json({ type: "object" }), "400": error("Bad chain id or address"), "503": error("RPC unreachable") } } },
      "/api/faucet": { post: { summary: "Test funds: the local chain (and a local stand-in for a Base network) mints USDC and sends gas ETH; Base Sepolia uses CDP's faucet when configured", requestBody: body(FaucetRequest), responses: { "200": json({ type: "object" }), "400": error("Bad request or no faucet on this network"), "403": error("Another site's request"), "429": error("Too many requests for this address") } },
        get: { summary: "Which faucet a network has (local, stand-in, cdp or none)", parameters: [{ name: "chainId", in: "query", required: true, schema: { type: "integer" } }], responses: { "200": json({ type: "object", properties: { chainId: { type: "integer" }, kind: { type: "string", enum: ["local", "stand-in", "cdp", "none"] }, externalUrl: { type: ["string", "null"] } } }), "404": error("Unknown network") } } },
      "/api/rpc/{chainId}": { post: { summary: "Read-only JSON-RPC proxy to a network (allow-listed methods)", parameters: [{ name: "chainId", in: "path", required: true, schema: { type: "integer" } }], requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } }, responses: { "200": json({ type: "object" }) } } },
      "/api/probe": { post: probeRoute },
      "/api/payments/{nonce}": paymentRoute,
      "/api/proxy": { post: proxyRoute },
      "/api/mcp": { post: mcpRoute },
      ...atelierRoutes,
      "/.well-known/x402": { get: { summary: "x402 discovery manifest: paid routes, their schemes (exact, batch-settlement) and pricing, networks, facilitator", responses: { "200": json(manifest) } } },
      "/openapi.json": { get: { summary: "This document", responses: { "200": json({ type: "object" }) } } },
    } as Record<string, Record<string, object>>,
  };
}
