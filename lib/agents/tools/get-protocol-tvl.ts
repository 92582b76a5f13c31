import "server-only";
import { tool } from "ai";
import { z } from "zod";
import { env } from "@/lib/env";
import { getDefillama } from "./defillama-api";
import { usd } from "./phrase";

export const ProtocolTvlOutput = z.object({ protocol: z.string(), tvlUsd: z.number(), source: z.string() });

export function phraseProtocolTvl({ protocol, tvlUsd, source }: z.infer<typeof ProtocolTvlOutput>): string {
  return `The total value locked in ${protocol} is ${usd(tvlUsd, 0)} according to DeFiLlama (${source}).`;
}

/** getProtocolTvl: a DeFi protocol's total value locked, from DeFiLlama. */
export function getProtocolTvlTool() {
  return tool({
    description: "Total value locked (USD) of a DeFi protocol, from DeFiLlama.",
    inputSchema: z.object({
      protocol: z.string().min(1).max(100).describe('Protocol name or DeFiLlama slug, e.g. "aave" or "uniswap"'),
    }),
    outputSchema: ProtocolTvlOutput,
    execute: async ({ protocol }, { abortSignal }) => {
      const slug = protocol.trim().toLowerCase().replace(/\s+/g, "-");
      const url = `${env.DEFILLAMA_BASE_URL}/tvl/${encodeURIComponent(slug)}`;
      const tvlUsd = await getDefillama(z.number(), url, abortSignal);
      return { protocol: slug, tvlUsd, source: url };
    },
  });
}
