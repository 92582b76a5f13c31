import "server-only";
import { asSchema, type ToolSet } from "ai";
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
 * Each toolkit's tools, built once per network: they hold no state (they read env and chain when they run), and
 * a reused tool keeps its input schema's JSON Schema, which the AI SDK otherwise converts from zod on every step.
 */
const built = new Map<string, ToolSet>();

function toolkit(name: ToolkitName, network: NetworkKey): ToolSet {
  const key = `${name}|${network}`;
  let tools = built.get(key);
  if (!tools) {
    // asSchema's wrapper computes its JSON Schema on first use and keeps it; a bare zod schema is wrapped anew each time.
    const made = Object.entries(FACTORIES[name]({ network }));
    tools = Object.fromEntries(made.map(([id, tool]) => [id, { ...tool, inputSchema: asSchema(tool.inputSchema) }]));
    built.set(key, tools);
  }
  return tools;
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
  return Object.assign({}, ...toolkits.map((name) => toolkit(name, agent.network)));
}
