import "server-only";
import { getProtocolTvlTool } from "./get-protocol-tvl";
import { getTokenPricesTool } from "./get-token-prices";

/**
 * DeFiLlama's public API: protocol TVL and token prices. Unlike the other toolkits it takes no network:
 * the data is the same whichever chain the agent is paid on.
 */
export function defillamaTools() {
  return { getProtocolTvl: getProtocolTvlTool(), getTokenPrices: getTokenPricesTool() };
}
