import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPublicClient, createWalletClient, erc20Abi, http, parseUnits, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fundLocalAccount } from "@/lib/devchain";
import { NETWORKS } from "@/lib/chains/networks";
import { getLedger } from "@/lib/ledger";
import { parseQuote } from "@/lib/remote-agents/parse-quote";
import { bazaarListing, discoverService, listServices, payService, trendingServices } from "@/lib/x402/server/atelier";
import { x402Manifest } from "@/lib/x402/server/discovery";
import { openApiDocument } from "@/lib/http/openapi";
import { MAX_TRANSFER_AGE_SECONDS } from "@/lib/x402/server/atelier-proof";
import { startOpenAIDouble } from "../agents/support/openai-double";
import { serveRoutes } from "../../lib/devtools/route-server";
import { fixture, setEnv, startTestChain } from "../support/fixtures";

const MARKET = "00000000-0000-0000-0000-000000000001";
const FLAKY = "00000000-0000-0000-0000-0000000000f2";
const USDC = NETWORKS.local.usdc.address;
const PRICE = parseUnits("0.01", 6);

let llm: Awaited<ReturnType<typeof startOpenAIDouble>>;
let configDir: string;
let restoreConfig: () => void;
let marketPayTo: Address;
let agentCount: number;

beforeAll(async () => {
  // A model that can be made to fail (an OpenAI-compatible test double), for the agent that delivers nothing.
  llm = await startOpenAIDouble({ toolCall: { name: "getPrice", arguments: { pair: "ETH/USD" } }, reply: () => "ETH is fine." });
  const shipped = JSON.parse(readFileSync("agents.config.json", "utf8")) as { agents: Array<Record<string, unknown>> };
  marketPayTo = shipped.agents.find((a) => a.id === MARKET)!.payTo as Address;
  agentCount = shipped.agents.length + 1;
  const flaky = { ...shipped.agents[0]!, id: FLAKY, name: "Flaky Analyst", model: "compatible:flaky" };
  configDir = mkdtempSync(path.join(tmpdir(), "x402-agents-"));
  writeFileSync(path.join(configDir, "agents.json"), JSON.stringify({ agents: [...shipped.agents, flaky] }));
  restoreConfig = setEnv({ AGENTS_CONFIG: path.join(configDir, "agents.json"), OPENAI_COMPATIBLE_BASE_URL: llm.baseURL });
});

afterAll(async () => {
  restoreConfig?.();
  await llm?.close();
  rmSync(configDir, { recursive: true, force: true });
});

const stack = fixture(
  async () => {
    const chain = await startTestChain();
    const restoreEnv = setEnv({ DATA_DIR: "memory://" });
    const server = await serveRoutes([
      { method: "GET", path: "/api/x402/services", handle: (req) => Response.json(listServices(new URL(req.url).origin)) },
      { method: "GET", path: "/api/x402/discover", handle: (req) => discoverService(req) },
      { method: "POST", path: "/api/x402/pay", handle: (req) => payService(req) },
      { method: "GET", path: "/api/x402/trending", handle: (req) => trendingServices(req) },
      { method: "GET", path: "/api/x402/bazaar", handle: (req) => bazaarListing(req) },
    ]);
    return { chain, server, restoreEnv };
  },
  async ({ chain, server, restoreEnv }) => {
    await server.close();
    restoreEnv();
    await chain.stop();
  },
);

async function payer(): Promise<PrivateKeyAccount> {
  const account = privateKeyToAccount(generatePrivateKey());
  await fundLocalAccount(stack().chain.rpcUrl, account.address, { usdc: parseUnits("1", 6), eth: parseUnits("1", 18) });
  return account;
}

/** A plain USDC transfer on the local chain, mined: its hash. */
async function transfer(from: PrivateKeyAccount, to: Address, amount: bigint): Promise<Hex> {
  const transport = http(stack().chain.rpcUrl);
  const chain = { id: 31337, name: "local", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [stack().chain.rpcUrl] } } } as const;
  const wallet = createWalletClient({ account: from, chain, transport });
  const hash = await wallet.writeContract({ address: USDC, abi: erc20Abi, functionName: "transfer", args: [to, amount] });
  const receipt = await createPublicClient({ chain, transport }).waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return hash;
}

function pay(service: string, hash: string | null, body: unknown = { brief: "What is the current price of ETH?" }, network = "eip155:31337") {
  return fetch(`${stack().server.url}/api/x402/pay?service_id=${service}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(hash && { "X-PAYMENT": hash, "X-Payment-Network": network }) },
    body: JSON.stringify(body),
  });
}

describe("Atelier's surface for our agents", () => {
  it("services: one per agent, with Atelier's network names and the pay and discover URLs", async () => {
    const res = await fetch(`${stack().server.url}/api/x402/services`);
    const { services } = (await res.json()) as { services: Array<Record<string, unknown>> };
    expect(services.map((s) => s.service_id)).toContain(MARKET);
    expect(services.find((s) => s.service_id === MARKET)).toMatchObject({
      network: "eip155:31337",
      price: { amount: "0.01", currency: "USDC", atomic: "10000" },
      asset: { currency: "USDC", address: USDC },
      payTo: marketPayTo,
      pay: `${stack().server.url}/api/x402/pay?service_id=${MARKET}`,
    });
  });

  it("discover: a 402 in Atelier's shape, which our probe reads as payable by transfer", async () => {
    const res = await fetch(`${stack().server.url}/api/x402/discover?service_id=${MARKET}`);
    expect(res.status).toBe(402);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      error: { code: "payment_required" },
      payment_requirements: { version: "1", scheme: "exact", network: "eip155:31337", asset: { currency: "USDC", address: USDC }, payTo: marketPayTo, maxAmountRequired: "10000" },
    });
    const quote = parseQuote({ status: 402, headers: {}, bodyText: text });
    expect(quote).toMatchObject({ payable: true, payBy: "transfer", chainId: 31337, amount: { atomic: "10000" }, payTo: marketPayTo });
    const unknown = await fetch(`${stack().server.url}/api/x402/discover?service_id=nope`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("unknown_service");
  });

  it("pay: a transfer of the price buys one reply; the same hash again is refused", async () => {
    const account = await payer();
    const hash = await transfer(account, marketPayTo, PRICE);
    const res = await pay(MARKET, hash);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; data: { order_id: string; status: string; reply: string; usage: object; payment: Record<string, unknown> } };
    expect(body).toMatchObject({ success: true, data: { status: "completed", payment: { transaction: hash.toLowerCase(), payer: account.address, amount: "10000", network: "eip155:31337" } } });
    expect(body.data.reply.length).toBeGreaterThan(0);
    expect(body.data.usage).toMatchObject({ model: "offline" });

    const again = await pay(MARKET, hash.toUpperCase().replace("0X", "0x"));
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: "payment_already_used", order_id: body.data.order_id, status: "completed" } });
  });

  it("pay takes the chat body too", async () => {
    const hash = await transfer(await payer(), (await listFlakyPayTo()) as Address, PRICE);
    const res = await pay(FLAKY, hash, { messages: [{ role: "user", content: "And BTC?" }] });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { reply: string } }).data.reply).toContain("ETH is fine.");
    expect(llm.requests.at(-1)!.body.messages.some((m) => m.content === "And BTC?")).toBe(true);
  });

  it("a hash sent twice at once buys one reply", async () => {
    const hash = await transfer(await payer(), marketPayTo, PRICE);
    const answers = await Promise.all([pay(MARKET, hash), pay(MARKET, hash)]);
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    const refused = (await answers.find((r) => r.status === 409)!.json()) as { error: { code: string } };
    expect(["transfer_in_use", "payment_already_used"]).toContain(refused.error.code);
  });

  it("a transfer for less is refused with the missing amount, and spends nothing", async () => {
    const account = await payer();
    const short = await transfer(account, marketPayTo, PRICE - 2_500n);
    const res = await pay(MARKET, short);
    expect(res.status).toBe(402);
    expect(await res.json()).toMatchObject({ error: { code: "transfer_insufficient", missing: { atomic: "2500", display: "0.0025 USDC" } } });
    // To someone else: nothing reached this agent.
    const elsewhere = await transfer(account, account.address, PRICE);
    expect(await (await pay(MARKET, elsewhere)).json()).toMatchObject({ error: { code: "transfer_insufficient", missing: { atomic: "10000" } } });
  });

  it("a hash that is not a mined transfer, a malformed one, another network, or no proof at all", async () => {
    const missing = await pay(MARKET, `0x${"ab".repeat(32)}`);
    expect(missing.status).toBe(402);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("transfer_not_found");
    const bad = await pay(MARKET, "0x1234");
    expect(bad.status).toBe(402);
    expect(await bad.json()).toMatchObject({ error: { code: "invalid_payment_header" }, payment_requirements: { payTo: marketPayTo } });
    const other = await pay(MARKET, `0x${"ab".repeat(32)}`, undefined, "base-mainnet");
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe("unsupported_network");
    const none = await pay(MARKET, null);
    expect(none.status).toBe(402);
    expect(await none.json()).toMatchObject({ error: { code: "payment_required" }, payment_requirements: { maxAmountRequired: "10000" } });
    const noBrief = await pay(MARKET, `0x${"ab".repeat(32)}`, { brief: "" });
    expect(noBrief.status).toBe(400);
  });

  it("a transfer older than the bound is refused", async () => {
    const hash = await transfer(await payer(), marketPayTo, PRICE);
    const anvil = createPublicClient({ transport: http(stack().chain.rpcUrl) });
    await anvil.request({ method: "evm_increaseTime" as never, params: [MAX_TRANSFER_AGE_SECONDS + 60] as never });
    await anvil.request({ method: "evm_mine" as never, params: [] as never });
    const res = await pay(MARKET, hash);
    expect(res.status).toBe(402);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("transfer_too_old");
  });

  it("a run that delivers nothing releases the hash: the same hash then buys its reply, once", async () => {
    const hash = await transfer(await payer(), (await listFlakyPayTo()) as Address, PRICE);
    llm.setMode("fail");
    const failed = await pay(FLAKY, hash);
    expect(failed.status).toBe(502);
    expect(((await failed.json()) as { error: { code: string } }).error.code).toBe("agent_failed");
    llm.setMode("ok");
    const served = await pay(FLAKY, hash);
    expect(served.status).toBe(200);
    expect(((await served.json()) as { data: { reply: string } }).data.reply).toContain("ETH is fine.");
    expect((await pay(FLAKY, hash)).status).toBe(409);
  });

  it("trending ranks agents by paid messages; bazaar lists the catalog in the Bazaar format", async () => {
    const res = await fetch(`${stack().server.url}/api/x402/trending?limit=5`);
    const { trending } = (await res.json()) as { trending: Array<{ service_id: string; paid_messages: number }> };
    // Market Analyst and the flaky one were each paid for two replies above; ties go by id.
    expect(trending.slice(0, 2)).toEqual([
      expect.objectContaining({ service_id: MARKET, paid_messages: 2 }),
      expect.objectContaining({ service_id: FLAKY, paid_messages: 2 }),
    ]);
    expect((await fetch(`${stack().server.url}/api/x402/trending?limit=0`)).status).toBe(400);
    const rows = await (await getLedger()).transferOrders().paidMessagesByAgent(1);
    expect(rows).toEqual([{ agentId: MARKET, messages: 2 }]);

    const bazaar = (await (await fetch(`${stack().server.url}/api/x402/bazaar?limit=2`)).json()) as { x402Version: number; items: Array<Record<string, unknown>>; pagination: object };
    expect(bazaar.x402Version).toBe(2);
    expect(bazaar.items).toHaveLength(2);
    expect(bazaar.items[0]).toMatchObject({
      resource: `${stack().server.url}/api/x402/${MARKET}/chat`,
      type: "http",
      x402Version: 2,
      accepts: [{ scheme: "exact", network: "eip155:31337", asset: USDC, amount: "10000", payTo: marketPayTo }],
    });
    expect(bazaar.pagination).toMatchObject({ limit: 2, offset: 0, total: agentCount });
  });
});

async function listFlakyPayTo(): Promise<string> {
  const { services } = (await (await fetch(`${stack().server.url}/api/x402/services`)).json()) as { services: Array<{ service_id: string; payTo: string }> };
  return services.find((s) => s.service_id === FLAKY)!.payTo;
}

describe("Atelier's routes in discovery", () => {
  it("are listed in /.well-known/x402 and /openapi.json", () => {
    expect(x402Manifest("http://x").atelier).toEqual({
      services: "http://x/api/x402/services",
      discover: "http://x/api/x402/discover?service_id={id}",
      pay: "http://x/api/x402/pay?service_id={id}",
      trending: "http://x/api/x402/trending",
      bazaar: "http://x/api/x402/bazaar",
    });
    const paths = Object.keys(openApiDocument("http://x").paths);
    for (const route of ["services", "discover", "pay", "trending", "bazaar"]) expect(paths).toContain(`/api/x402/${route}`);
  });
});
