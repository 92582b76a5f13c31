/** What a tab is charged for one reply (lib/agents/pricing.ts), and the shipped agents' pricing. */
import { parseUnits } from "viem";
import { describe, expect, test } from "vitest";
import { runAgent } from "@/lib/agents/engine";
import {
  chargeForReply,
  describePricing,
  paymentSchemes,
  pricingSummary,
  TokenPricingSchema,
  type PricedAgent,
} from "@/lib/agents/pricing";
import { getAgent, listAgents } from "@/lib/agents/registry";
import { loadAgentsFrom } from "@/lib/devtools/load/agents";
import { testChainFixture } from "../support/fixtures";

const flat: PricedAgent = { price: "0.005" };
/** 0.50 USDC / M input = 0.5 atomic per token; 2.00 / M output = 2 atomic per token. */
const metered: PricedAgent = {
  price: "0.01",
  pricing: { inputPerMillion: "0.50", outputPerMillion: "2.00", minimum: "0.0005" },
};

describe("chargeForReply", () => {
  test("a reply that delivered nothing is charged 0, flat or metered", () => {
    expect(chargeForReply(flat, null)).toBe(0n);
    expect(chargeForReply(metered, null)).toBe(0n);
  });

  test("a flat agent's tab is charged its whole price, whatever the tokens", () => {
    expect(chargeForReply(flat, { inputTokens: 0, outputTokens: 0 })).toBe(5_000n);
    expect(chargeForReply(flat, { inputTokens: 10_000_000, outputTokens: 1 })).toBe(5_000n);
  });

  test("a metered reply costs its tokens at the rates, in atomic units", () => {
    // 1000 × 0.5 + 2000 × 2 = 4500 atomic = 0.0045 USDC.
    expect(chargeForReply(metered, { inputTokens: 1_000, outputTokens: 2_000 })).toBe(4_500n);
    // 4000 × 0.5 + 0 = 2000.
    expect(chargeForReply(metered, { inputTokens: 4_000, outputTokens: 0 })).toBe(2_000n);
  });

  test("rounds up to the atomic unit, never down", () => {
    // 1001 × 0.5 + 300 × 2 = 1100.5 → 1101.
    expect(chargeForReply(metered, { inputTokens: 1_001, outputTokens: 300 })).toBe(1_101n);
    // A rate with 6 decimals: 0.000001 USDC / M tokens = 1 atomic per million tokens; one token costs 10⁻⁶ atomic → 1.
    const tiny: PricedAgent = { price: "1", pricing: { inputPerMillion: "0.000001", outputPerMillion: "0" } };
    expect(chargeForReply(tiny, { inputTokens: 1, outputTokens: 0 })).toBe(1n);
    expect(chargeForReply(tiny, { inputTokens: 1_000_000, outputTokens: 0 })).toBe(1n);
    expect(chargeForReply(tiny, { inputTokens: 1_000_001, outputTokens: 0 })).toBe(2n);
  });

  test("is at least the minimum for a delivered reply, 0 tokens included", () => {
    // 100 × 0.5 + 100 × 2 = 250 < 500.
    expect(chargeForReply(metered, { inputTokens: 100, outputTokens: 100 })).toBe(500n);
    expect(chargeForReply(metered, { inputTokens: 0, outputTokens: 0 })).toBe(500n);
    // Without a minimum, a delivered reply of 0 tokens costs 0.
    const noMinimum: PricedAgent = { price: "0.01", pricing: { inputPerMillion: "1", outputPerMillion: "1" } };
    expect(chargeForReply(noMinimum, { inputTokens: 0, outputTokens: 0 })).toBe(0n);
  });

  test("is never above the price, the per-message maximum", () => {
    // 20000 × 0.5 + 1 × 2 = 10002 > 10000.
    expect(chargeForReply(metered, { inputTokens: 20_000, outputTokens: 1 })).toBe(10_000n);
    expect(chargeForReply(metered, { inputTokens: Number.MAX_SAFE_INTEGER, outputTokens: Number.MAX_SAFE_INTEGER })).toBe(10_000n);
    // At exactly the price it is the price.
    expect(chargeForReply(metered, { inputTokens: 20_000, outputTokens: 0 })).toBe(10_000n);
  });

  test("refuses token counts that are not whole numbers ≥ 0", () => {
    expect(() => chargeForReply(metered, { inputTokens: -1, outputTokens: 0 })).toThrow("inputTokens must be a whole number ≥ 0, got -1");
    expect(() => chargeForReply(metered, { inputTokens: 0, outputTokens: Number.NaN })).toThrow("outputTokens must be a whole number ≥ 0, got NaN");
    expect(() => chargeForReply(metered, { inputTokens: 1.5, outputTokens: 0 })).toThrow(RangeError);
  });
});

describe("describing pricing", () => {
  test("in words, for people", () => {
    expect(describePricing(flat)).toBe("0.005 USDC per message");
    expect(describePricing(metered)).toBe("0.50 USDC / M input tokens, 2.00 / M output, min 0.0005, max 0.01");
    expect(describePricing({ price: "0.01", pricing: { inputPerMillion: "1", outputPerMillion: "3", minimum: "0" } })).toBe(
      "1 USDC / M input tokens, 3 / M output, max 0.01",
    );
  });

  test("as discovery publishes it", () => {
    expect(pricingSummary(flat)).toEqual({ maxPerMessage: "0.005", tokens: null, description: "0.005 USDC per message" });
    expect(pricingSummary({ price: "0.01", pricing: { inputPerMillion: "1", outputPerMillion: "3" } })).toEqual({
      maxPerMessage: "0.01",
      tokens: { inputPerMillion: "1", outputPerMillion: "3", minimum: "0" },
      description: "1 USDC / M input tokens, 3 / M output, max 0.01",
    });
  });

  test("every agent offers exact first, then batch-settlement", () => {
    expect(paymentSchemes(flat)).toEqual(["exact", "batch-settlement"]);
    expect(paymentSchemes(metered)).toEqual(["exact", "batch-settlement"]);
  });
});

describe("the token pricing schema", () => {
  const problems = (value: unknown) => {
    const result = TokenPricingSchema.safeParse(value);
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  };

  test("takes USDC decimal strings, the minimum optional", () => {
    expect(problems({ inputPerMillion: "0.50", outputPerMillion: "2.00", minimum: "0.0005" })).toEqual([]);
    expect(problems({ inputPerMillion: "0", outputPerMillion: "15" })).toEqual([]);
  });

  test("refuses amounts that are not USDC decimals, unknown fields, and two zero rates", () => {
    expect(problems({ inputPerMillion: "abc", outputPerMillion: "2" })).toEqual([
      'inputPerMillion: must be a USDC amount like "0.50" (at most 6 decimals)',
    ]);
    expect(problems({ inputPerMillion: "1", outputPerMillion: "0.0000001" })).toEqual([
      'outputPerMillion: must be a USDC amount like "0.50" (at most 6 decimals)',
    ]);
    expect(problems({ inputPerMillion: "1", outputPerMillion: 2 })).toEqual(["outputPerMillion: Expected string, received number"]);
    expect(problems({ inputPerMillion: "1", outputPerMillion: "2", minimum: "-1" })[0]).toContain("minimum: must be a USDC amount");
    expect(problems({ inputPerMillion: "1", outputPerMillion: "2", inputPerMilion: "3" })[0]).toContain("Unrecognized key(s) in object: 'inputPerMilion'");
    expect(problems({ inputPerMillion: "0", outputPerMillion: "0.000000" })).toEqual([
      ": inputPerMillion and outputPerMillion cannot both be 0 (leave pricing out for a flat price)",
    ]);
  });
});

describe("the shipped agents", () => {
  testChainFixture(); // the Market Analyst's question reads a Chainlink feed on it

  test("the Market Analyst is priced by tokens; the others are flat", () => {
    expect(getAgent("00000000-0000-0000-0000-000000000001")).toMatchObject({
      price: "0.01",
      pricing: { inputPerMillion: "2.50", outputPerMillion: "10.00", minimum: "0.001" },
    });
    expect(listAgents().filter((agent) => agent.pricing).map((agent) => agent.name)).toEqual(["Market Analyst"]);
  });

  test("the offline model's typical replies cost the Market Analyst's tab less than the maximum, more than the minimum", async () => {
    const analyst = getAgent("00000000-0000-0000-0000-000000000001")!;
    const loadQuestion = loadAgentsFrom([analyst])[0]!.prompt; // what `npm run loadtest` and the bench ask it
    for (const question of [loadQuestion, "hello"]) {
      const reply = runAgent({ agent: analyst, messages: [{ role: "user", content: question }] });
      await reply.text;
      const usage = await reply.totalUsage;
      const charge = chargeForReply(analyst, { inputTokens: usage.inputTokens!, outputTokens: usage.outputTokens! });
      expect(charge, question).toBeGreaterThan(parseUnits(analyst.pricing!.minimum!, 6));
      expect(charge, question).toBeLessThan(parseUnits(analyst.price, 6));
    }
  });
});
