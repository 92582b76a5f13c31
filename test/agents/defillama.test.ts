/** The DeFiLlama toolkit against a local test double of its API, and against nothing at all. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runAgent } from "@/lib/agents/engine";
import { getAgent, type AgentConfig } from "@/lib/agents/registry";
import { DOUBLE_PRICES, DOUBLE_TVL, startDefiLlamaDouble } from "./support/defillama-double";
import { deadUrl } from "./support/http";
import { collect, ofType, textOf } from "./support/stream";

let double: Awaited<ReturnType<typeof startDefiLlamaDouble>>;
let analyst: AgentConfig;
let guide: AgentConfig;

beforeAll(async () => {
  delete process.env.AGENT_MODEL;
  double = await startDefiLlamaDouble();
  analyst = getAgent("00000000-0000-0000-0000-000000000001")!;
  guide = getAgent("00000000-0000-0000-0000-000000000003")!;
});

afterAll(async () => {
  delete process.env.DEFILLAMA_BASE_URL;
  delete process.env.DEFILLAMA_COINS_URL;
  await double.close();
});

async function ask(agent: AgentConfig, question: string) {
  return collect(runAgent({ agent, messages: [{ role: "user", content: question }] }).fullStream);
}

describe("with the DeFiLlama test double", () => {
  beforeAll(() => {
    process.env.DEFILLAMA_BASE_URL = double.url;
    process.env.DEFILLAMA_COINS_URL = double.url;
  });

  test("answers a TVL question from the API's number", async () => {
    const parts = await ask(analyst, "What is the TVL of Aave?");

    expect(ofType(parts, "tool-call")[0]).toMatchObject({ toolName: "getProtocolTvl", input: { protocol: "aave" } });
    expect(ofType(parts, "tool-result")[0]?.output).toEqual({
      protocol: "aave",
      tvlUsd: DOUBLE_TVL.aave,
      source: `${double.url}/tvl/aave`,
    });
    expect(double.paths).toContain("/tvl/aave");
    expect(textOf(parts)).toContain("The total value locked in aave is $12,345,678,902 according to DeFiLlama");
  });

  test("answers a BTC price question with coin prices", async () => {
    const parts = await ask(guide, "What is the price of BTC?");

    expect(ofType(parts, "tool-call")[0]).toMatchObject({
      toolName: "getTokenPrices",
      input: { coins: ["coingecko:bitcoin"] },
    });
    expect(ofType(parts, "tool-result")[0]?.output).toMatchObject({
      prices: [
        {
          coin: "coingecko:bitcoin",
          symbol: "BTC",
          price: DOUBLE_PRICES["coingecko:bitcoin"].price,
          updatedAt: new Date(DOUBLE_PRICES["coingecko:bitcoin"].timestamp * 1000).toISOString(),
        },
      ],
      notFound: [],
    });
    expect(textOf(parts)).toContain("BTC is $65,432.10 according to DeFiLlama");
  });

  test("getTokenPrices lists the coins the API does not know", async () => {
    const tools = (await import("@/lib/agents/tools/defillama")).defillamaTools();
    const output = await tools.getTokenPrices.execute!(
      { coins: ["coingecko:ethereum", "coingecko:no-such-coin"] },
      { toolCallId: "t1", messages: [] },
    );

    expect(output).toMatchObject({
      prices: [{ coin: "coingecko:ethereum", symbol: "ETH", price: DOUBLE_PRICES["coingecko:ethereum"].price }],
      notFound: ["coingecko:no-such-coin"],
    });
  });

  test.each([
    ["an unknown protocol (HTTP 400)", "frobnicate", "The DeFiLlama API answered 400 Bad Request", "Protocol not found"],
    ["a body that is not JSON", "broken", "The DeFiLlama API sent invalid JSON", "<html>oops"],
  ])("%s is a tool error the model relays", async (_case, protocol, reason, detail) => {
    const parts = await ask(analyst, `What is the TVL of ${protocol}?`);

    const message = String(ofType(parts, "tool-error")[0]?.error);
    expect(message).toContain(reason);
    expect(message).toContain(detail);
    expect(textOf(parts)).toContain(`Sorry, the getProtocolTvl tool failed: ${reason}`);
    expect(ofType(parts, "error")).toEqual([]);
    expect(ofType(parts, "finish")[0]?.finishReason).toBe("stop");
  });

  test("an API that never answers times out after 5 s", async () => {
    const started = Date.now();
    const parts = await ask(analyst, "What is the TVL of slow?");

    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    expect(String(ofType(parts, "tool-error")[0]?.error)).toContain("The DeFiLlama API did not answer within 5 s");
    expect(ofType(parts, "finish")).toHaveLength(1);
  });
});

describe("with DeFiLlama unreachable", () => {
  test("the tool error reaches the model, which says so, and the stream finishes without throwing", async () => {
    process.env.DEFILLAMA_BASE_URL = await deadUrl();

    const result = runAgent({ agent: analyst, messages: [{ role: "user", content: "What is the TVL of Lido?" }] });
    const parts = await collect(result.fullStream);

    const [toolError] = ofType(parts, "tool-error");
    expect(toolError).toMatchObject({ toolName: "getProtocolTvl", input: { protocol: "lido" } });
    expect(String(toolError?.error)).toMatch(/The DeFiLlama API is unreachable \(http:\/\/127\.0\.0\.1:\d+\): .*ECONNREFUSED/);
    expect(textOf(parts)).toContain("The DeFiLlama API is unreachable");
    expect(ofType(parts, "error")).toEqual([]);
    expect(ofType(parts, "finish")[0]?.finishReason).toBe("stop");
    expect(await result.text).toContain("The DeFiLlama API is unreachable");
  });
});
