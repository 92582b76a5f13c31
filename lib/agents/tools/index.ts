import "server-only";
import type { ToolSet } from "ai";
import type { NetworkKey } from "@/lib/chains/networks";
import type { AgentConfig } from "../registry";
import { chainlinkTools } from "./chainlink";
import { defillamaTools } from "./defillama";
import { walletTools } from "./wallet";

export const TOOLKIT_NAMES = ["chainlink", "defillama", "wallet"] as const;
export type ToolkitName = (typeof TOOLKIT_NAMES)[number];

/** Other names a toolkit goes by: the seed data calls the wallet toolkit "coinbase". */
const ALIASES: Readonly<Record<string, ToolkitName>> = { coinbase: "wallet" };

const FACTORIES: Record<ToolkitName, (options: { network: NetworkKey }) => ToolSet> = {
  chainlink: chainlinkTools,
  defillama: defillamaTools,
  wallet: walletTools,
};

/** The toolkit a name (or alias) stands for, case-insensitively; undefined for an unknown name. */
export function toToolkitName(name: string): ToolkitName | undefined {
  const key = name.trim().toLowerCase();
  return (TOOLKIT_NAMES as readonly string[]).includes(key) ? (key as ToolkitName) : ALIASES[key];
}

/**
 * The tools of one agent run: the toolkits that are both among the agent's capabilities and selected by the
 * user. No selection means all the agent's capabilities; unknown selected names are ignored.
 */
export function buildTools(
  agent: Pick<AgentConfig, "capabilities" | "network">,
  selectedToolkits?: readonly string[],
): ToolSet {
  const selected = selectedToolkits && new Set(selectedToolkits.map(toToolkitName));
  const toolkits = agent.capabilities.filter((name) => !selected || selected.has(name));
  return Object.assign({}, ...toolkits.map((name) => FACTORIES[name]({ network: agent.network })));
}
