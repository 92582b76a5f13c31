import type { Address } from "viem";
import type { LoadAgent } from "./run";

/**
 * A question each published agent answers from the local chain alone, so a
 * load run measures payments, not the internet (DeFiLlama is unreachable here).
 */
export function loadAgentsFrom(agents: Array<{ id: string; payTo: string; capabilities: string[] }>): LoadAgent[] {
  return agents.map((a) => ({
    id: a.id,
    payTo: a.payTo as Address,
    prompt: a.capabilities.includes("chainlink")
      ? "What is the current price of ETH?"
      : a.capabilities.includes("wallet")
        ? `What is the balance of ${a.payTo}?`
        : "What is x402?",
  }));
}
