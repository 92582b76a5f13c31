import "server-only";
/**
 * The published agents, read from agents.config.json at the repository root.
 *
 * Environment:
 * - AGENTS_CONFIG: path of the agents file (default: agents.config.json in the working directory).
 * - AGENT_MODEL: run every agent on this model instead of its own, e.g. "compatible:llama3.2" for Ollama.
 * - OPENAI_API_KEY: for "openai:<model>"; ANTHROPIC_API_KEY: for "anthropic:<model>".
 * - OPENAI_COMPATIBLE_BASE_URL (e.g. http://127.0.0.1:11434/v1) and optional OPENAI_COMPATIBLE_API_KEY:
 *   for "compatible:<model>", any OpenAI-compatible server (Ollama, llama.cpp, vLLM).
 * - DEFILLAMA_BASE_URL, DEFILLAMA_COINS_URL: DeFiLlama endpoints (default https://api.llama.fi, https://coins.llama.fi).
 * - LOCAL_RPC_URL, BASE_SEPOLIA_RPC_URL, BASE_RPC_URL: the RPC that an agent's chain tools read.
 * With none of them set, the shipped agents run on the built-in offline model against the local chain.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { getAddress, isAddress, parseUnits } from "viem";
import { z } from "zod";
import { DEFAULT_NETWORK_KEY, isNetworkKey, NETWORKS, type NetworkKey } from "@/lib/chains/networks";
import { networkUnreachableReason } from "@/lib/chains/status";
import { env } from "@/lib/env";
import { modelUnavailableReason, parseModelSpec } from "./models";
import { TokenPricingSchema, usdcAtomicOrUndefined } from "./pricing";
import { TOOLKIT_NAMES, toToolkitName } from "./tools";
import { unreachableServices } from "./tools/reachability";

const USDC_DECIMALS = 6;

const ModelSpecSchema = z.string().superRefine((spec, ctx) => {
  const parsed = parseModelSpec(spec);
  if ("error" in parsed) ctx.addIssue({ code: "custom", message: parsed.error });
});

const AgentSchema = z.object({
  id: z.string().uuid("must be a UUID like 00000000-0000-0000-0000-000000000001"),
  name: z.string().trim().min(1).max(80),
  description: z.string().trim().min(1).max(500),
  capabilities: z
    .array(
      z.string().transform((name, ctx) => {
        const toolkit = toToolkitName(name);
        if (toolkit) return toolkit;
        ctx.addIssue({
          code: "custom",
          message: `unknown toolkit "${name}" (known: ${TOOLKIT_NAMES.join(", ")}; "coinbase" is an alias of wallet)`,
        });
        return z.NEVER;
      }),
    )
    .transform((names) => [...new Set(names)]),
  price: z
    .string()
    .regex(/^\d+(\.\d{1,6})?$/, 'must be a USDC amount like "0.01" (at most 6 decimals)')
    .refine((price) => (usdcAtomicOrUndefined(price) ?? 1n) > 0n, "must be more than 0"),
  network: z
    .custom<NetworkKey>(isNetworkKey, 'must be "local", "base-sepolia" or "base"')
    .default(DEFAULT_NETWORK_KEY),
  payTo: z
    .string()
    .refine((value) => isAddress(value), "must be a 0x address (40 hex digits, valid checksum if mixed-case)")
    .transform((value) => getAddress(value)),
  model: ModelSpecSchema,
  systemPrompt: z.string().trim().min(1).max(8_000),
  /** Token pricing for tabs (lib/agents/pricing.ts); without it a tab is charged the price. */
  pricing: TokenPricingSchema.optional(),
}).superRefine((agent, ctx) => {
  // `price` is the per-message maximum: a minimum above it could never be charged.
  const minimum = usdcAtomicOrUndefined(agent.pricing?.minimum);
  const price = usdcAtomicOrUndefined(agent.price);
  if (minimum !== undefined && price !== undefined && minimum > price) {
    ctx.addIssue({
      code: "custom",
      path: ["pricing", "minimum"],
      message: `must not exceed the agent's price ${agent.price}, the most one message can cost`,
    });
  }
});

const ConfigSchema = z.object({
  agents: z
    .array(AgentSchema)
    .min(1)
    .superRefine((agents, ctx) => {
      const seen = new Set<string>();
      agents.forEach(({ id }, index) => {
        if (seen.has(id)) ctx.addIssue({ code: "custom", path: [index, "id"], message: `duplicate id ${id}` });
        seen.add(id);
      });
    }),
});

export type AgentConfig = z.infer<typeof AgentSchema>;

let cache: { file: string; mtimeMs: number; agents: readonly AgentConfig[] } | undefined;

function configPath(): string {
  return path.resolve(env.AGENTS_CONFIG);
}

/** Reads and validates the agents file; re-reads only when its path or modification time changes. */
function loadAgents(): readonly AgentConfig[] {
  const file = configPath();
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
    if (cache?.file === file && cache.mtimeMs === mtimeMs) return cache.agents;
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`Cannot read the agents config ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`The agents config ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const result = ConfigSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`);
    throw new Error(`Invalid agents config ${file}:\n  ${problems.join("\n  ")}`);
  }
  cache = { file, mtimeMs, agents: result.data.agents };
  return cache.agents;
}

/** ["agents", 1, "payTo"] -> "agents[1].payTo" */
function fieldPath(segments: (string | number)[]): string {
  return segments.reduce<string>(
    (acc, segment) => (typeof segment === "number" ? `${acc}[${segment}]` : acc ? `${acc}.${segment}` : segment),
    "",
  ) || "(root)";
}

/** AGENT_MODEL, validated, or undefined when unset. */
function modelOverride(): string | undefined {
  const spec = env.AGENT_MODEL;
  if (!spec) return undefined;
  const parsed = parseModelSpec(spec);
  if ("error" in parsed) throw new Error(`AGENT_MODEL: ${parsed.error}`);
  return spec;
}

export function listAgents(): AgentConfig[] {
  const model = modelOverride();
  // Copies, so a caller that edits an agent cannot change the cached config.
  return loadAgents().map((agent) => ({ ...agent, ...(model && { model }) }));
}

export function getAgent(id: string): AgentConfig | undefined {
  return listAgents().find((agent) => agent.id === id);
}

/** The agent's price in USDC atomic units (6 decimals), as x402 quotes it. */
export function priceAtomic(agent: Pick<AgentConfig, "price">): bigint {
  return parseUnits(agent.price, USDC_DECIMALS);
}

/**
 * Whether the agent's model can run here (an unavailable agent must not be offered for payment), and whether its
 * toolkits' services answer (degraded: it runs, but the tools of an unreachable service fail). Reachability is
 * what checkToolkits last found; the catalog checks before it answers.
 */
export function agentStatus(agent: Pick<AgentConfig, "model"> & Partial<Pick<AgentConfig, "capabilities" | "network">>): {
  available: boolean;
  degraded?: boolean;
  reason?: string;
} {
  const reason = modelUnavailableReason(agent.model);
  if (reason) return { available: false, reason };
  // Its payments could be neither verified nor settled: what checkNetworks last found (the catalog checks first).
  const networkDown = agent.network ? networkUnreachableReason(NETWORKS[agent.network]) : null;
  if (networkDown) return { available: false, reason: networkDown };
  const down = unreachableServices(agent.capabilities ?? []);
  return down.length > 0 ? { available: true, degraded: true, reason: `${down.join(", ")} unreachable` } : { available: true };
}
