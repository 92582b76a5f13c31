import "server-only";
import { NETWORKS, type NetworkKey } from "@/lib/chains/networks";
import { getPriceTool } from "./get-price";

/** Reads Chainlink price feeds on the agent's network (the local PriceFeed on the dev chain). */
export function chainlinkTools({ network }: { network: NetworkKey }) {
  return { getPrice: getPriceTool(NETWORKS[network]) };
}
