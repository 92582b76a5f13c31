import "server-only";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModel } from "ai";
import { env, type EnvName } from "@/lib/env";
import { OfflineModel } from "./offline";

/**
 * Model specs, as written in agents.config.json or AGENT_MODEL:
 *   "offline"            the built-in offline model (no key, no network); OFFLINE_MODEL_DELAY_MS paces its output
 *   "openai:<model>"     OpenAI, needs OPENAI_API_KEY
 *   "anthropic:<model>"  Anthropic, needs ANTHROPIC_API_KEY
 *   "compatible:<model>" any OpenAI-compatible server (Ollama, llama.cpp, vLLM), needs
 *                        OPENAI_COMPATIBLE_BASE_URL (e.g. http://127.0.0.1:11434/v1), optional OPENAI_COMPATIBLE_API_KEY
 */
export type ModelProvider = "offline" | "openai" | "anthropic" | "compatible";

export interface ModelSpec {
  provider: ModelProvider;
  modelId: string;
}

const REMOTE_PROVIDERS = ["openai", "anthropic", "compatible"] as const;

/** The environment variable each remote provider cannot work without. */
const REQUIRED_ENV: Record<(typeof REMOTE_PROVIDERS)[number], EnvName> = {
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  compatible: "OPENAI_COMPATIBLE_BASE_URL",
};

/** Parses a model spec; returns an error message instead of throwing so zod refinements can use it. */
export function parseModelSpec(spec: string): ModelSpec | { error: string } {
  if (spec === "offline") return { provider: "offline", modelId: "offline" };
  const colon = spec.indexOf(":");
  const provider = spec.slice(0, colon);
  const modelId = spec.slice(colon + 1).trim();
  if (colon > 0 && modelId && (REMOTE_PROVIDERS as readonly string[]).includes(provider)) {
    return { provider: provider as ModelProvider, modelId };
  }
  return {
    error: `unknown model "${spec}": use "offline", "openai:<model>", "anthropic:<model>" or "compatible:<model>"`,
  };
}

/** Why a model spec cannot run in this environment, or undefined when it can. */
export function modelUnavailableReason(modelSpec: string): string | undefined {
  const parsed = parseModelSpec(modelSpec);
  return "error" in parsed ? parsed.error : missingEnv(parsed, modelSpec);
}

/** The AI SDK model for a spec; throws with the reason when the spec is malformed or its key is missing. */
export function resolveModel(modelSpec: string): LanguageModel {
  const parsed = parseModelSpec(modelSpec);
  if ("error" in parsed) throw new Error(parsed.error);
  const missing = missingEnv(parsed, modelSpec);
  if (missing) throw new Error(missing);
  const { provider, modelId } = parsed;
  switch (provider) {
    case "offline":
      // OFFLINE_MODEL_DELAY_MS paces its chunks like a slower model (demos, benchmarks).
      return new OfflineModel({ delayMs: env.OFFLINE_MODEL_DELAY_MS });
    case "openai":
      return createOpenAI({ apiKey: env.OPENAI_API_KEY })(modelId);
    case "anthropic":
      return createAnthropic({ apiKey: env.ANTHROPIC_API_KEY })(modelId);
    case "compatible":
      return createOpenAICompatible({
        name: "compatible",
        baseURL: env.OPENAI_COMPATIBLE_BASE_URL!,
        apiKey: env.OPENAI_COMPATIBLE_API_KEY,
        // Without it, OpenAI-style servers send no token counts in streams and usage stays empty.
        includeUsage: true,
      }).chatModel(modelId);
  }
}

function missingEnv({ provider }: ModelSpec, modelSpec: string): string | undefined {
  if (provider === "offline") return undefined;
  const name = REQUIRED_ENV[provider];
  return env[name] ? undefined : `${name} is not set (needed by model "${modelSpec}")`;
}
