import { describe, expect, it } from "vitest";
import { summarizeToolOutput } from "@/components/chat/tool-summary";

describe("a tool call's one-line summary", () => {
  it("says what our tools found, from their output's shape", () => {
    expect(
      summarizeToolOutput({ pair: "ETH/USD", price: "3000", decimals: 8, description: "ETH / USD", roundId: "1", updatedAt: "", feed: "0xabc", network: "local" }),
    ).toBe("ETH/USD $3,000.00 · Chainlink");
    expect(summarizeToolOutput({ prices: [{ coin: "coingecko:ethereum", symbol: "ETH", price: 3100.5 }], notFound: ["foo"], source: "defillama" })).toBe(
      "ETH $3,100.50 · not found: foo · DeFiLlama",
    );
    expect(summarizeToolOutput({ protocol: "aave", tvlUsd: 12_345_678.9, source: "defillama" })).toBe("aave TVL $12,345,679 · DeFiLlama");
    expect(
      summarizeToolOutput({ address: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", network: "local", eth: "0.01", usdc: "9.99", usdcToken: "0x", blockNumber: "5" }),
    ).toBe("0x9965…A4dc · 9.99 USDC · 0.01 ETH");
  });

  it("summarizes any other output by its first fields, and never shows $NaN", () => {
    expect(summarizeToolOutput({ city: "Paris", temp: 21, nested: { a: 1 }, ok: true, more: "x" })).toBe("city: Paris · temp: 21 · ok: true");
    expect(summarizeToolOutput({ pair: "ETH/USD", price: "n/a", feed: "0x" })).toBe("ETH/USD n/a · Chainlink");
    expect(summarizeToolOutput(null)).toBe("no result");
    expect(summarizeToolOutput("x".repeat(300))).toHaveLength(120);
  });
});
