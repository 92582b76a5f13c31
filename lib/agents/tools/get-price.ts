import "server-only";
import { tool } from "ai";
import { formatUnits, parseAbi, type Address, type PublicClient } from "viem";
import { z } from "zod";
import type { Network } from "@/lib/chains/networks";
import { publicClientOf } from "@/lib/chains/rpc";
import { describeError } from "@/lib/errors";
import { usd } from "./phrase";

/** The subset of Chainlink's AggregatorV3Interface the tool reads. */
const aggregatorAbi = parseAbi([
  "function decimals() view returns (uint8)",
  "function description() view returns (string)",
  // (roundId, answer, startedAt, updatedAt, answeredInRound)
  "function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)",
]);

export const PriceOutput = z.object({
  pair: z.string(),
  price: z.string(),
  decimals: z.number(),
  description: z.string(),
  roundId: z.string(),
  updatedAt: z.string(),
  feed: z.string(),
  network: z.string(),
});

export function phrasePrice(p: z.infer<typeof PriceOutput>): string {
  return (
    `${p.pair} is ${usd(Number(p.price))} according to the Chainlink feed "${p.description}" at ${p.feed} ` +
    `(network ${p.network}, round ${p.roundId}, updated ${p.updatedAt}).`
  );
}

/**
 * A feed's decimals and description never change: read once per feed and RPC client (one per network and URL),
 * then each message reads only the latest round.
 */
const feedMetadata = new WeakMap<PublicClient, Map<Address, Promise<{ decimals: number; description: string }>>>();

function metadataOf(client: PublicClient, feed: Address) {
  let feeds = feedMetadata.get(client);
  if (!feeds) feedMetadata.set(client, (feeds = new Map()));
  let metadata = feeds.get(feed);
  if (!metadata) {
    const contract = { address: feed, abi: aggregatorAbi } as const;
    const reading = Promise.all([
      client.readContract({ ...contract, functionName: "decimals" }),
      client.readContract({ ...contract, functionName: "description" }),
    ]).then(([decimals, description]) => ({ decimals, description }));
    // A failed read (RPC down) is not remembered: the next message tries again.
    reading.catch(() => feeds.get(feed) === reading && feeds.delete(feed));
    feeds.set(feed, (metadata = reading));
  }
  return metadata;
}

/** getPrice: the latest answer of a Chainlink price feed on the agent's network (the local PriceFeed on the dev chain). */
export function getPriceTool(network: Network) {
  const pairs = Object.keys(network.priceFeeds);
  return tool({
    description: `Latest price of a trading pair from its Chainlink feed on ${network.name}. Pairs: ${pairs.join(", ")}.`,
    inputSchema: z.object({
      pair: z.string().min(1).max(20).describe('Trading pair, e.g. "ETH/USD"'),
    }),
    outputSchema: PriceOutput,
    execute: async ({ pair }) => {
      // Accept "eth-usd", "ETH / USD" and the like: models are loose about separators.
      const normalized = pair.toUpperCase().replace(/\s+/g, "").replace(/[-_]/g, "/");
      const feed = network.priceFeeds[normalized as keyof typeof network.priceFeeds];
      if (!feed) {
        throw new Error(`No Chainlink feed for ${pair} on ${network.name}; available: ${pairs.join(", ")}`);
      }
      const contract = { address: feed, abi: aggregatorAbi } as const;
      const client = publicClientOf(network);
      try {
        const [{ decimals, description }, [roundId, answer, , updatedAt]] = await Promise.all([
          metadataOf(client, feed),
          client.readContract({ ...contract, functionName: "latestRoundData" }),
        ]);
        return {
          pair: normalized,
          price: formatUnits(answer, decimals),
          decimals,
          description,
          roundId: roundId.toString(),
          updatedAt: new Date(Number(updatedAt) * 1000).toISOString(),
          feed,
          network: network.key,
        };
      } catch (error) {
        throw new Error(`Could not read the Chainlink ${normalized} feed at ${feed} on ${network.name}: ${describeError(error)}`);
      }
    },
  });
}
