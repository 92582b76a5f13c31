import "server-only";
import { tool } from "ai";
import { z } from "zod";
import { env } from "@/lib/env";
import { describeError } from "@/lib/errors";

/** DeFiLlama answers in well under a second; past this the user is better told it is down. */
const TIMEOUT_MS = 5_000;

const TvlResponse = z.number();
const PricesResponse = z.object({
  coins: z.record(
    z.object({ price: z.number(), symbol: z.string().optional(), timestamp: z.number().optional() }).passthrough(),
  ),
});

/**
 * DeFiLlama's public API: protocol TVL and token prices. Unlike the other toolkits it takes no network:
 * the data is the same whichever chain the agent is paid on.
 */
export function defillamaTools() {
  return {
    getProtocolTvl: tool({
      description: "Total value locked (USD) of a DeFi protocol, from DeFiLlama.",
      inputSchema: z.object({
        protocol: z.string().min(1).max(100).describe('Protocol name or DeFiLlama slug, e.g. "aave" or "uniswap"'),
      }),
      execute: async ({ protocol }, { abortSignal }) => {
        const slug = protocol.trim().toLowerCase().replace(/\s+/g, "-");
        const url = `${env.DEFILLAMA_BASE_URL}/tvl/${encodeURIComponent(slug)}`;
        const tvlUsd = parse(TvlResponse, await getJson(url, abortSignal), url);
        return { protocol: slug, tvlUsd, source: url };
      },
    }),
    getTokenPrices: tool({
      description: "Current USD prices of tokens from DeFiLlama, by coin id.",
      inputSchema: z.object({
        coins: z
          .array(z.string().regex(/^[\w-]+:[\w.-]+$/, 'coin ids look like "coingecko:ethereum" or "base:0x…"'))
          .min(1)
          .max(20)
          .describe('Coin ids, e.g. ["coingecko:ethereum", "coingecko:bitcoin"]'),
      }),
      execute: async ({ coins }, { abortSignal }) => {
        const url = `${env.DEFILLAMA_COINS_URL}/prices/current/${coins.join(",")}`;
        const found = parse(PricesResponse, await getJson(url, abortSignal), url).coins;
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
    }),
  };
}

/** GETs JSON, turning every way it can fail into one sentence the model can pass on. */
async function getJson(url: string, abortSignal: AbortSignal | undefined): Promise<unknown> {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const signal = abortSignal ? AbortSignal.any([abortSignal, timeout]) : timeout;
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { headers: { accept: "application/json" }, signal });
    body = await response.text();
  } catch (error) {
    // The user cancelled: nothing to explain to the model.
    if (abortSignal?.aborted) throw error;
    if (timeout.aborted) throw new Error(`The DeFiLlama API did not answer within ${TIMEOUT_MS / 1000} s (${url})`);
    throw new Error(`The DeFiLlama API is unreachable (${new URL(url).origin}): ${describeError(error)}`);
  }
  if (!response.ok) {
    const status = `${response.status} ${response.statusText}`;
    throw new Error(`The DeFiLlama API answered ${status} for ${url}: ${body.slice(0, 200)}`);
  }
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`The DeFiLlama API sent invalid JSON for ${url}: ${body.slice(0, 100)}`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, url: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new Error(`The DeFiLlama API sent an unexpected response for ${url}: ${result.error.issues[0]?.message}`);
  }
  return result.data;
}
