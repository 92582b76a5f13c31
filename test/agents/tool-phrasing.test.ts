/** Each tool owns its output schema and the sentence the offline model makes of its result. */
import { describe, expect, test } from "vitest";
import { OfflineModel } from "@/lib/agents/models/offline";
import { buildTools, TOOLKIT_NAMES } from "@/lib/agents/tools";
import { phraseToolResult } from "@/lib/agents/tools/results";

const everyTool = buildTools({ capabilities: [...TOOLKIT_NAMES], network: "local" });

const results: Record<string, unknown> = {
  getProtocolTvl: { protocol: "aave", tvlUsd: 12_345_678_901, source: "https://api.llama.fi/tvl/aave" },
  // As it comes back from JSON: the missing symbol and timestamp are gone, not undefined.
  getTokenPrices: { prices: [{ coin: "coingecko:bitcoin", price: 97000.5 }], notFound: ["coingecko:nope"], source: "https://coins.llama.fi/x" },
  getBalances: {
    address: "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    network: "local",
    eth: "1.5",
    usdc: "20",
    usdcToken: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    blockNumber: "12",
  },
  getTransaction: {
    hash: `0x${"1f".repeat(32)}`,
    network: "local",
    status: "success",
    from: "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    to: null,
    valueEth: "0",
    blockNumber: "3",
    usdcTransfers: [],
    explorerUrl: null,
  },
};

describe("tool results in words", () => {
  test("every tool declares its output schema", () => {
    for (const [name, tool] of Object.entries(everyTool)) expect(tool.outputSchema, name).toBeDefined();
  });

  test.each(Object.entries(results))("%s: its result is phrased, not dumped as JSON", (toolName, value) => {
    expect(Object.keys(everyTool)).toContain(toolName);
    const sentence = phraseToolResult(toolName, value);
    expect(sentence).not.toBeNull();
    expect(sentence).not.toContain("{");
  });

  test("the offline model answers from the tool's own phrasing", async () => {
    const result = await new OfflineModel().doGenerate({
      prompt: [
        { role: "user", content: [{ type: "text", text: "TVL of aave" }] },
        { role: "assistant", content: [{ type: "tool-call", toolCallId: "c1", toolName: "getProtocolTvl", input: {} }] },
        { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "getProtocolTvl", output: { type: "json", value: results.getProtocolTvl as never } }] },
      ],
    });
    const text = result.content.find((part) => part.type === "text");
    expect(text?.type === "text" && text.text).toContain("The total value locked in aave is $12,345,678,901 according to DeFiLlama");
  });

  test("a result its schema does not read, or another tool's, is left to the caller", () => {
    expect(phraseToolResult("getBalances", { address: "0x1" })).toBeNull();
    expect(phraseToolResult("toString", {})).toBeNull();
  });
});
