import "server-only";
import { tool } from "ai";
import { z } from "zod";
import { env } from "@/lib/env";
import { getDefillama } from "./defillama-api";
import { usd } from "./phrase";

const PricesResponse = z.object({
  coins: z.record(
    z.object({ price: z.number(), symbol: z.string().optional(), timestamp: z.number().optional() }).passthrough(),
  ),
});

export const TokenPricesOutput = z.object({
  prices: z.array(
    z.object({ coin: z.string(), symbol: z.string().optional(), price: z.number(), updatedAt: z.string().optional() }),
  ),
  notFound: z.array(z.string()),
  source: z.string(),
});

export function phraseTokenPrices({ prices, notFound }: z.infer<typeof TokenPricesOutput>): string {
  const found = prices.map(({ coin, symbol, price }) => `${symbol ?? coin} is ${usd(price)}`);
  const missing = notFound.length > 0 ? ` DeFiLlama has no price for ${notFound.join(", ")}.` : "";
  return (found.length > 0 ? `${found.join(", ")} according to DeFiLlama.` : "") + missing;
}

/** getTokenPrices: current USD prices of tokens from DeFiLlama. */
export function getTokenPricesTool() {
  return tool({
    description: "Current USD prices of tokens from DeFiLlama, by coin id.",
    inputSchema: z.object({
      coins: z
        .array(z.string().regex(/^[\w-]+:[\w.-]+$/, 'coin ids look like "coingecko:ethereum" or "base:0x…"'))
        .min(1)
        .max(20)
        .describe('Coin ids, e.g. ["coingecko:ethereum", "coingecko:bitcoin"]'),
    }),
    outputSchema: TokenPricesOutput,
    execute: async ({ coins }, { abortSignal }) => {
      const url = `${env.DEFILLAMA_COINS_URL}/prices/current/${coins.join(",")}`;
      const found = (await getDefillama(PricesResponse, url, abortSignal)).coins;
      return {
        prices: coins
          .filter((coin) => found[coin])
          .map((coin) => {
            const { price, symbol, timestamp } = found[coin]!;
            const updatedAt = timestamp ? new Date(timestamp * 1000).toISOString() : undefined;
            return { coin, symbol, price, updatedAt };
          }),
        notFound: coins.filter((coin) => !found[coin]),
        source: url,
      };
    },
  });
}
