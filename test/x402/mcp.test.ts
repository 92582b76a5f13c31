import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { PaymentPayload, PaymentRequired, SettleResponse } from "@x402/core/types";
import { createPublicClient, erc20Abi, http, parseEventLogs, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLedger } from "@/lib/ledger";
import { serveRoutes } from "@/lib/devtools/route-server";
import { x402Manifest } from "@/lib/x402/server/discovery";
import { handleMcpRequest } from "@/lib/x402/server/mcp";
import { HOW_TO_PAY_URI } from "@/lib/x402/server/mcp-manifest";
import { startOpenAIDouble } from "../agents/support/openai-double";
import { fixture, setEnv } from "../support/fixtures";
import { MARKET_AGENT, USDC, fundedPayer, paidStackFixture, usdcBalance, x402ClientFor } from "./support";

const BROKEN_AGENT = "00000000-0000-0000-0000-0000000000f1";
const EXTENSION_META = { "io.modelcontextprotocol/clientCapabilities": { extensions: { "org.x402/payment": {} } } };

const stack = paidStackFixture();
const mcp = fixture(
  async () => {
    // A model that answers 500, for an agent whose run fails; the shipped agents beside it are offline.
    const llm = await startOpenAIDouble({ toolCall: { name: "getPrice", arguments: { pair: "ETH/USD" } }, reply: () => "unused" });
    llm.setMode("fail");
    const shipped = JSON.parse(readFileSync("agents.config.json", "utf8")) as { agents: Array<Record<string, unknown>> };
    const broken = { ...shipped.agents[0]!, id: BROKEN_AGENT, name: "Broken Analyst", model: "compatible:down" };
    const dir = mkdtempSync(path.join(tmpdir(), "x402-mcp-"));
    writeFileSync(path.join(dir, "agents.json"), JSON.stringify({ agents: [...shipped.agents, broken] }));
    const restoreEnv = setEnv({ AGENTS_CONFIG: path.join(dir, "agents.json"), OPENAI_COMPATIBLE_BASE_URL: llm.baseURL });
    const server = await serveRoutes([{ method: "POST", path: "/api/mcp", handle: (req) => handleMcpRequest(req) }]);
    return { llm, dir, restoreEnv, server };
  },
  async ({ llm, dir, restoreEnv, server }) => {
    await server.close();
    await llm.close();
    restoreEnv();
    rmSync(dir, { recursive: true, force: true });
  },
);

let client: Client;
beforeAll(async () => {
  client = new Client({ name: "mcp-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${mcp().server.url}/api/mcp`)));
});
afterAll(async () => {
  await client?.close();
});

type PaidResult = CallToolResult & { resultType?: string; paymentRequired?: PaymentRequired };

function chat(agentId: string, meta?: Record<string, unknown>): Promise<PaidResult> {
  return client.callTool({
    name: "chat_with_agent",
    arguments: { agentId, message: "What is the current price of ETH?" },
    ...(meta && { _meta: meta }),
  }) as Promise<PaidResult>;
}

/** The official x402 client's payload for the PaymentRequired a tool result carried. */
function pay(account: PrivateKeyAccount, required: PaymentRequired): Promise<PaymentPayload> {
  return x402ClientFor(account).createPaymentPayload(required);
}

/** A refusal's code: a PaymentRequired's `error`, or a tool error's `error.code`. */
function codeOf(result: CallToolResult): string {
  const error = (result.structuredContent as { error: string | { code: string } }).error;
  return typeof error === "string" ? error : error.code;
}

const textOf = (result: CallToolResult, i = 0) => (result.content[i] as { text: string }).text;

/** USDC transfers in a transaction's receipt, read from the chain. */
async function transfersOf(tx: string) {
  const chain = createPublicClient({ transport: http(stack.anvil.rpcUrl) });
  const receipt = await chain.getTransactionReceipt({ hash: tx as Hex });
  return parseEventLogs({ abi: erc20Abi, eventName: "Transfer", logs: receipt.logs.filter((l) => l.address.toLowerCase() === USDC.toLowerCase()) });
}

describe("the MCP server at /api/mcp", () => {
  it("lists the agents with their prices and schemes, and quotes one as the HTTP route's 402 does", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["chat_with_agent", "get_quote", "list_agents"]);

    const listed = (await client.callTool({ name: "list_agents", arguments: {} })) as CallToolResult;
    const agents = (listed.structuredContent as { agents: Array<{ id: string; price: string; schemes: string[]; payTo: string }> }).agents;
    const market = agents.find((a) => a.id === MARKET_AGENT)!;
    expect(market.price).toMatch(/^\d+(\.\d+)?$/);
    expect(market.schemes).toContain("exact");

    const quoted = (await client.callTool({ name: "get_quote", arguments: { agentId: MARKET_AGENT } })) as CallToolResult;
    expect(quoted.isError).toBeFalsy();
    const http402 = await fetch(`${stack.url}/api/x402/${MARKET_AGENT}/chat`);
    const { decodePaymentRequiredHeader } = await import("@x402/core/http");
    const fromRoute = decodePaymentRequiredHeader(http402.headers.get("PAYMENT-REQUIRED")!);
    const quote = quoted.structuredContent as unknown as PaymentRequired;
    // The same offers (the resource is the route's URL as reached through this server's origin).
    expect(quote.accepts).toEqual(fromRoute.accepts);
    expect(quote.resource.url).toBe(`${mcp().server.url}/api/x402/${MARKET_AGENT}/chat`);
    expect(quote.accepts[0]).toMatchObject({ scheme: "exact", payTo: market.payTo, asset: USDC });

    const unknown = (await client.callTool({ name: "get_quote", arguments: { agentId: "nobody" } })) as CallToolResult;
    expect(unknown.isError).toBe(true);
    expect(unknown.structuredContent).toMatchObject({ error: { code: "unknown_agent" } });
  });

  it("serves a resource that explains how to pay", async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain(HOW_TO_PAY_URI);
    const { contents } = await client.readResource({ uri: HOW_TO_PAY_URI });
    const text = (contents[0] as { text: string }).text;
    expect(text).toContain('_meta["x402/payment"]');
    expect(text).toContain("x402/payment-response");
  });

  it("charges chat_with_agent over the tool-result binding: 402 data, a paid reply that moved exactly the price, a replay refused", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);

    const unpaid = await chat(MARKET_AGENT);
    expect(unpaid.isError).toBe(true);
    const required = unpaid.structuredContent as unknown as PaymentRequired;
    expect(required).toMatchObject({ x402Version: 2, error: "payment_required" });
    expect(JSON.parse(textOf(unpaid))).toEqual(required);
    const price = BigInt(required.accepts[0]!.amount);

    const payment = await pay(payer, required);
    const paid = await chat(MARKET_AGENT, { "x402/payment": payment });
    expect(paid.isError).toBeFalsy();
    expect(textOf(paid).length).toBeGreaterThan(0);
    const settled = paid._meta?.["x402/payment-response"] as SettleResponse;
    expect(settled).toMatchObject({ success: true, network: required.accepts[0]!.network });
    expect(settled.payer?.toLowerCase()).toBe(payer.address.toLowerCase());

    // This payer's transfer in the settlement transaction (a batched settlement may carry others' too).
    const transfers = (await transfersOf(settled.transaction)).filter((t) => t.args.from === payer.address);
    expect(transfers.map((t) => t.args)).toEqual([{ from: payer.address, to: required.accepts[0]!.payTo, value: price }]);
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before - price);
    const [row] = await (await getLedger()).listPayments({ payer: payer.address });
    expect(row).toMatchObject({ status: "settled", txHash: settled.transaction });

    const replay = await chat(MARKET_AGENT, { "x402/payment": payment });
    expect(replay.isError).toBe(true);
    expect(replay.structuredContent).toMatchObject({ x402Version: 2, error: "payment_already_used" });
    expect(replay._meta?.["x402/payment-response"]).toBeUndefined();
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before - price);
  });

  it("answers a client that advertises org.x402/payment with the extension binding, and settles the same way", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const unpaid = await chat(MARKET_AGENT, EXTENSION_META);
    expect(unpaid.resultType).toBe("payment_required");
    expect(unpaid.isError).toBeUndefined();
    expect(unpaid.paymentRequired).toMatchObject({ x402Version: 2, error: "payment_required" });

    const payment = await pay(payer, unpaid.paymentRequired!);
    const paid = await chat(MARKET_AGENT, { ...EXTENSION_META, "x402/payment": payment });
    expect(paid.resultType).toBe("complete");
    const settled = paid._meta?.["x402/payment-response"] as SettleResponse;
    expect(settled.success).toBe(true);
    const transfers = (await transfersOf(settled.transaction)).filter((t) => t.args.from === payer.address);
    expect(transfers.map((t) => t.args.value)).toEqual([BigInt(unpaid.paymentRequired!.accepts[0]!.amount)]);

    // A 2026-07-28 client without the extension gets the tool-result binding, marked complete as that revision wants.
    const plain = await chat(MARKET_AGENT, { "io.modelcontextprotocol/protocolVersion": "2026-07-28" });
    expect(plain).toMatchObject({ resultType: "complete", isError: true, structuredContent: { x402Version: 2, error: "payment_required" } });

    // A refused payment is payment_required again, with the reason.
    const replay = await chat(MARKET_AGENT, { ...EXTENSION_META, "x402/payment": payment });
    expect(replay.resultType).toBe("payment_required");
    expect(replay.paymentRequired?.error).toBe("payment_already_used");
  });

  it("refuses a tampered payment with the PaymentRequired and its reason, nothing charged", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const required = (await chat(MARKET_AGENT)).structuredContent as unknown as PaymentRequired;
    const cheaper = { ...required, accepts: [{ ...required.accepts[0]!, amount: "1" }] };
    const result = await chat(MARKET_AGENT, { "x402/payment": await pay(payer, cheaper) });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ x402Version: 2, error: "payment_mismatch" });
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
  });

  it("limits paid calls per payer, by code", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const required = (await chat(MARKET_AGENT)).structuredContent as unknown as PaymentRequired;
    // Refused before verification (the wrong amount), each still takes one of the payer's slots.
    const payment = await pay(payer, { ...required, accepts: [{ ...required.accepts[0]!, amount: "1" }] });
    const codes: string[] = [];
    for (let i = 0; i < 31; i++) {
      const result = await chat(MARKET_AGENT, { "x402/payment": payment });
      codes.push(codeOf(result));
    }
    expect(codes.slice(0, 30).every((code) => code === "payment_mismatch")).toBe(true);
    expect(codes[30]).toBe("rate_limited");
    // Another payer is not held back.
    const other = await fundedPayer(stack.anvil.rpcUrl);
    const theirs = await chat(MARKET_AGENT, { "x402/payment": await pay(other, { ...required, accepts: [{ ...required.accepts[0]!, amount: "1" }] }) });
    expect(theirs.structuredContent).toMatchObject({ error: "payment_mismatch" });
  });

  it("does not charge a run that failed: the tool errors with agent_failed, no transfer, the payment voided", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const required = (await chat(BROKEN_AGENT)).structuredContent as unknown as PaymentRequired;
    const result = await chat(BROKEN_AGENT, { "x402/payment": await pay(payer, required) });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ error: { code: "agent_failed" } });
    expect(result._meta?.["x402/payment-response"]).toBeUndefined();
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
    const [row] = await (await getLedger()).listPayments({ payer: payer.address });
    expect(row?.status).toBe("voided");
    expect(mcp().llm.requests.length).toBeGreaterThan(0);
  });

  it("is listed in /.well-known/x402 with the tools and resource it serves", async () => {
    const origin = mcp().server.url;
    const { mcp: listed } = x402Manifest(origin);
    expect(listed.url).toBe(`${origin}/api/mcp`);
    const { tools } = await client.listTools();
    expect(listed.tools.sort()).toEqual(tools.map((t) => t.name).sort());
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain(listed.howToPay);
    expect(listed.payment).toMatchObject({ payloadMeta: "x402/payment", responseMeta: "x402/payment-response" });
    // The server announces the extension binding it answers with.
    expect(client.getServerCapabilities()?.experimental).toHaveProperty(["org.x402/payment"]);
  });

  it("bounds its body and says why by code", async () => {
    const url = `${mcp().server.url}/api/mcp`;
    const big = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(200_000) } }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: "body_too_large" } });
    const text = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ error: { code: "unsupported_media_type" } });
  });
});
