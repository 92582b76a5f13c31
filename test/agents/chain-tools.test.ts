/**
 * The offline model driving the real agent loop (runAgent → streamText → tools) against a real anvil with our
 * contracts: Chainlink-style feed and LocalUSDC.
 */
import {
  createPublicClient,
  createWalletClient,
  formatUnits,
  http,
  parseAbi,
  parseEther,
  zeroAddress,
  type Hash,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { beforeAll, describe, expect, test, vi } from "vitest";
import { runAgent } from "@/lib/agents/engine";
import { getAgent, type AgentConfig } from "@/lib/agents/registry";
import { NETWORKS } from "@/lib/chains/networks";
import { fundLocalAccount } from "@/lib/devchain";
import { testChainFixture } from "../support/fixtures";
import { deadUrl } from "./support/http";
import { collect, ofType, textOf } from "./support/stream";

const feedAbi = parseAbi([
  "function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)",
  "function updateAnswer(int256 answer)",
]);
const feed = NETWORKS.local.priceFeeds["ETH/USD"];
/** Anvil's account #0, the feed's owner in the local deployment (its key is public). */
const feedOwner = privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");

const anvil = testChainFixture();
let chain: ReturnType<typeof createPublicClient>;
let analyst: AgentConfig;
let walletAssistant: AgentConfig;

beforeAll(async () => {
  delete process.env.AGENT_MODEL;
  chain = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl) });
  analyst = getAgent("00000000-0000-0000-0000-000000000001")!;
  walletAssistant = getAgent("00000000-0000-0000-0000-000000000002")!;
});

function ask(agent: AgentConfig, question: string) {
  return runAgent({ agent, messages: [{ role: "user", content: question }] });
}

describe("chainlink toolkit through the offline model", () => {
  test("answers the ETH price with a getPrice call whose result is the seeded feed's answer", async () => {
    const [roundId, answer, , updatedAt] = await chain.readContract({
      address: feed,
      abi: feedAbi,
      functionName: "latestRoundData",
    });
    expect(answer).toBe(3000_00000000n);

    const result = ask(analyst, "What is the current price of ETH?");
    const parts = await collect(result.fullStream);

    const [call] = ofType(parts, "tool-call");
    expect(call).toMatchObject({ toolName: "getPrice", input: { pair: "ETH/USD" } });
    const [toolResult] = ofType(parts, "tool-result");
    expect(toolResult?.output).toEqual({
      pair: "ETH/USD",
      price: formatUnits(answer, 8),
      decimals: 8,
      description: "ETH / USD",
      roundId: roundId.toString(),
      updatedAt: new Date(Number(updatedAt) * 1000).toISOString(),
      feed,
      network: "local",
    });
    expect(ofType(parts, "error")).toEqual([]);

    const text = textOf(parts);
    expect(text).toContain("ETH/USD is $3,000.00 according to the Chainlink feed");
    expect(text).toContain(feed);
    expect(text).toContain("offline model");

    // Reasoning comes first, the text is streamed in several pieces, and the run ends normally.
    const types = parts.map((part) => part.type);
    expect(types.indexOf("reasoning-delta")).toBeLessThan(types.indexOf("tool-call"));
    expect(types.indexOf("tool-result")).toBeLessThan(types.indexOf("text-delta"));
    expect(ofType(parts, "text-delta").length).toBeGreaterThan(3);
    expect(ofType(parts, "finish")[0]?.finishReason).toBe("stop");
    expect(await result.steps).toHaveLength(2);
    const usage = await result.totalUsage;
    expect(usage.inputTokens).toBeGreaterThan(50);
    expect(usage.outputTokens).toBeGreaterThan(10);
    expect(usage.outputTokenDetails.reasoningTokens).toBeGreaterThan(0);
  });

  test("follows the feed: a new answer on chain is the next reply's price", async () => {
    const owner = createWalletClient({ chain: foundry, transport: http(anvil.rpcUrl), account: feedOwner });
    const hash = await owner.writeContract({ address: feed, abi: feedAbi, functionName: "updateAnswer", args: [3123_45000000n] });
    expect((await chain.waitForTransactionReceipt({ hash, pollingInterval: 50 })).status).toBe("success");

    const parts = await collect(ask(analyst, "ETH price now?").fullStream);

    expect(ofType(parts, "tool-result")[0]?.output).toMatchObject({ price: "3123.45", roundId: "2" });
    expect(textOf(parts)).toContain("ETH/USD is $3,123.45");
  });

  test("reads the feed's decimals and description once: later replies read only its latest round", async () => {
    await collect(ask(analyst, "What is the price of ETH?").fullStream); // the feed is known from here on
    const fetchSpy = vi.spyOn(globalThis, "fetch"); // calls through to the real fetch, to the real anvil
    try {
      const parts = await collect(ask(analyst, "ETH price again?").fullStream);

      expect(ofType(parts, "tool-result")[0]?.output).toMatchObject({ decimals: 8, description: "ETH / USD", feed });
      const calls = fetchSpy.mock.calls
        .filter(([url, init]) => String(url).startsWith(anvil.rpcUrl) && typeof init?.body === "string")
        .flatMap(([, init]) => [JSON.parse(init!.body as string)].flat())
        .filter((request) => request.method === "eth_call")
        .map((request) => String(request.params[0].data).slice(0, 10));
      expect(calls).toEqual(["0xfeaf968c"]); // latestRoundData() alone
    } finally {
      fetchSpy.mockRestore();
    }
  });

  test("streams as AI SDK UI message chunks for the chat route", async () => {
    const chunks = [];
    for await (const chunk of ask(analyst, "What is the price of ETH?").toUIMessageStream()) chunks.push(chunk);

    const types = chunks.map((chunk) => chunk.type);
    expect(types[0]).toBe("start");
    expect(types.at(-1)).toBe("finish");
    expect(chunks).toContainEqual(expect.objectContaining({ type: "tool-input-available", toolName: "getPrice" }));
    expect(chunks).toContainEqual(
      expect.objectContaining({ type: "tool-output-available", output: expect.objectContaining({ feed }) }),
    );
    expect(types).toContain("reasoning-delta");
    expect(types).toContain("text-delta");
  });

  test("an unreachable RPC is a tool error the model explains; the stream still finishes", async () => {
    const rpcUrl = process.env.LOCAL_RPC_URL;
    process.env.LOCAL_RPC_URL = await deadUrl();
    try {
      const parts = await collect(ask(analyst, "What is the price of ETH?").fullStream);

      const [toolError] = ofType(parts, "tool-error");
      expect(String(toolError?.error)).toContain(`Could not read the Chainlink ETH/USD feed at ${feed}`);
      expect(ofType(parts, "error")).toEqual([]);
      expect(textOf(parts)).toContain("Sorry, the getPrice tool failed: Could not read the Chainlink ETH/USD feed");
      expect(ofType(parts, "finish")).toHaveLength(1);
    } finally {
      process.env.LOCAL_RPC_URL = rpcUrl;
    }
  });
});

describe("wallet toolkit through the offline model", () => {
  const holder = privateKeyToAccount(generatePrivateKey()).address;
  let mintTx: Hash;

  beforeAll(async () => {
    const funding = await fundLocalAccount(anvil.rpcUrl, holder, { usdc: 12_345_678n, eth: parseEther("1.5") });
    mintTx = funding.usdcTx!;
  });

  test("answers a balance question with the funded account's real balances", async () => {
    expect(await chain.getBalance({ address: holder })).toBe(parseEther("1.5"));

    const parts = await collect(ask(walletAssistant, `What is the balance of ${holder}?`).fullStream);

    expect(ofType(parts, "tool-call")[0]).toMatchObject({ toolName: "getBalances", input: { address: holder } });
    expect(ofType(parts, "tool-result")[0]?.output).toMatchObject({
      address: holder,
      eth: "1.5",
      usdc: "12.345678",
      usdcToken: NETWORKS.local.usdc.address,
      network: "local",
    });
    expect(textOf(parts)).toContain(`${holder} holds 1.5 ETH and 12.345678 USDC`);
  });

  test("explains a transaction, with its decoded USDC transfer", async () => {
    const parts = await collect(ask(walletAssistant, `What happened in transaction ${mintTx}?`).fullStream);

    expect(ofType(parts, "tool-call")[0]).toMatchObject({ toolName: "getTransaction", input: { hash: mintTx } });
    expect(ofType(parts, "tool-result")[0]?.output).toMatchObject({
      hash: mintTx,
      status: "success",
      from: feedOwner.address,
      to: NETWORKS.local.usdc.address,
      valueEth: "0",
      usdcTransfers: [{ from: zeroAddress, to: holder, amount: "12.345678" }],
    });
    expect(textOf(parts)).toContain(`It moved 12.345678 USDC from ${zeroAddress} to ${holder}`);
  });

  test("an unknown transaction hash is a tool error relayed in the answer", async () => {
    const unknown = `0x${"ab".repeat(32)}`;
    const parts = await collect(ask(walletAssistant, `Show me transaction ${unknown}`).fullStream);

    expect(String(ofType(parts, "tool-error")[0]?.error)).toContain(`Could not look up transaction ${unknown}`);
    expect(textOf(parts)).toContain("Sorry, the getTransaction tool failed");
    expect(ofType(parts, "finish")).toHaveLength(1);
  });
});
