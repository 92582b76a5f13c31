import type { Address } from "viem";
import type { LoadAgent } from "./run";

/**
 * A question each published agent answers from the local chain alone, so a
 * load run measures payments, not the internet (DeFiLlama is unreachable here).
 * Only agents on the local network: a load run pays on the local chain, and an agent on a Base network answers
 * 503 there (one of four messages failed when the catalog gained its Base Sepolia agent).
 */
export function loadAgentsFrom(agents: Array<{ id: string; payTo: string; capabilities: string[]; network: string }>): LoadAgent[] {
  const local = agents.filter((a) => a.network === "local");
  if (local.length === 0) throw new Error("No agent on the local network to load: a load run pays on the local chain.");
  return local.map((a) => ({
    id: a.id,
    payTo: a.payTo as Address,
    prompt: a.capabilities.includes("chainlink")
      ? "What is the current price of ETH?"
      : a.capabilities.includes("wallet")
        ? `What is the balance of ${a.payTo}?`
        : "What is x402?",
  }));
}
