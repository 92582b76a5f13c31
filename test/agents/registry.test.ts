/** The agents registry (agents.config.json), model specs and the environment they depend on. */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { resolveModel } from "@/lib/agents/models";
import { OfflineModel } from "@/lib/agents/models/offline";
import { agentStatus, getAgent, listAgents, priceAtomic } from "@/lib/agents/registry";

const MODEL_ENV = [
  "AGENTS_CONFIG",
  "AGENT_MODEL",
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY",
  "OPENAI_COMPATIBLE_BASE_URL",
  "OPENAI_COMPATIBLE_API_KEY",
];
const saved = Object.fromEntries(MODEL_ENV.map((name) => [name, process.env[name]]));
for (const name of MODEL_ENV) delete process.env[name];

const dir = mkdtempSync(path.join(tmpdir(), "agents-config-"));
let files = 0;

afterEach(() => {
  for (const name of MODEL_ENV) delete process.env[name];
});
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  rmSync(dir, { recursive: true, force: true });
});

const validAgent = {
  id: "00000000-0000-0000-0000-0000000000aa",
  name: "Test agent",
  description: "For tests.",
  capabilities: ["chainlink"],
  price: "0.25",
  payTo: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  model: "offline",
  systemPrompt: "You are a test.",
};

/** Writes a config file (a fresh path each time) and points AGENTS_CONFIG at it. */
function useConfig(content: unknown): string {
  const file = path.join(dir, `agents-${++files}.json`);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  process.env.AGENTS_CONFIG = file;
  return file;
}

describe("the shipped agents.config.json", () => {
  test("publishes the four agents with stable ids, own payees and offline models, one on Base Sepolia", () => {
    const agents = listAgents();
    expect(agents.map((a) => a.id)).toEqual([
      "00000000-0000-0000-0000-000000000001",
      "00000000-0000-0000-0000-000000000002",
      "00000000-0000-0000-0000-000000000003",
      "00000000-0000-0000-0000-000000000004",
    ]);
    expect(agents.map((a) => a.capabilities)).toEqual([["chainlink", "defillama"], ["wallet"], ["defillama"], ["wallet"]]);
    expect(agents.map((a) => a.network)).toEqual(["local", "local", "local", "base-sepolia"]);
    // Anvil's default accounts #5, #6, #7 and #8.
    expect(agents.map((a) => a.payTo)).toEqual([
      "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
      "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
      "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
      "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    ]);
    for (const agent of agents) {
      expect(agent).toMatchObject({ model: "offline" });
      expect(agent.systemPrompt.length).toBeGreaterThan(50);
      expect(agentStatus(agent)).toEqual({ available: true });
    }
  });

  test("getAgent finds by id; priceAtomic is in USDC's 6 decimals", () => {
    const analyst = getAgent("00000000-0000-0000-0000-000000000001");
    expect(analyst?.name).toBe("Market Analyst");
    expect(priceAtomic(analyst!)).toBe(10_000n);
    expect(priceAtomic({ price: "1.000001" })).toBe(1_000_001n);
    expect(getAgent("00000000-0000-0000-0000-000000000999")).toBeUndefined();
  });
});

describe("config validation", () => {
  test.each([
    ["a bad UUID", { id: "agent-1" }, "agents[0].id: must be a UUID"],
    ["a bad address", { payTo: "0x1234" }, "agents[0].payTo: must be a 0x address"],
    ["a bad checksum", { payTo: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4DC" }, "agents[0].payTo: must be a 0x address"],
    ["an unknown toolkit", { capabilities: ["chainlink", "weather"] }, 'agents[0].capabilities[1]: unknown toolkit "weather"'],
    ["a bad price", { price: "0.0000001" }, "agents[0].price: must be a USDC amount"],
    ["a zero price", { price: "0" }, "agents[0].price: must be more than 0"],
    ["a price that is no number", { price: "ten cents" }, "agents[0].price: must be a USDC amount"],
    ["a bad token rate", { pricing: { inputPerMillion: "1,50", outputPerMillion: "2" } }, 'agents[0].pricing.inputPerMillion: must be a USDC amount like "0.50"'],
    ["a missing token rate", { pricing: { inputPerMillion: "1.50" } }, "agents[0].pricing.outputPerMillion: Required"],
    ["a misspelled pricing field", { pricing: { inputPerMillion: "1", outputPerMillion: "2", minimun: "0.001" } }, "agents[0].pricing: Unrecognized key(s) in object: 'minimun'"],
    ["two zero token rates", { pricing: { inputPerMillion: "0", outputPerMillion: "0" } }, "agents[0].pricing: inputPerMillion and outputPerMillion cannot both be 0"],
    ["a minimum above the price", { price: "0.25", pricing: { inputPerMillion: "1", outputPerMillion: "2", minimum: "0.30" } }, "agents[0].pricing.minimum: must not exceed the agent's price 0.25"],
    ["an unknown network", { network: "mainnet" }, 'agents[0].network: must be "local", "base-sepolia" or "base"'],
    ["an unknown model form", { model: "gpt-4o" }, 'agents[0].model: unknown model "gpt-4o"'],
    ["a missing field", { systemPrompt: undefined }, "agents[0].systemPrompt: Required"],
  ])("%s is reported with the file and the field", (_case, override, message) => {
    const file = useConfig({ agents: [{ ...validAgent, ...override }] });
    expect(() => listAgents()).toThrow(`Invalid agents config ${file}:`);
    expect(() => listAgents()).toThrow(message);
  });

  test("duplicate ids are refused", () => {
    useConfig({ agents: [validAgent, { ...validAgent, name: "Twin" }] });
    expect(() => listAgents()).toThrow(`agents[1].id: duplicate id ${validAgent.id}`);
  });

  test("an unreadable or malformed file says which file", () => {
    process.env.AGENTS_CONFIG = path.join(dir, "missing.json");
    expect(() => listAgents()).toThrow(`Cannot read the agents config ${path.join(dir, "missing.json")}`);
    const file = useConfig("{ agents: ");
    expect(() => listAgents()).toThrow(`The agents config ${file} is not valid JSON`);
  });

  test("token pricing is kept as written; a minimum equal to the price is allowed", () => {
    const pricing = { inputPerMillion: "1.50", outputPerMillion: "6", minimum: "0.25" };
    useConfig({ agents: [{ ...validAgent, pricing }, { ...validAgent, id: "00000000-0000-0000-0000-0000000000bb" }] });
    expect(listAgents().map((agent) => agent.pricing)).toEqual([pricing, undefined]);
  });

  test("defaults the network to local, accepts the coinbase alias and checksums payTo", () => {
    useConfig({
      agents: [{ ...validAgent, capabilities: ["coinbase", "wallet"], payTo: validAgent.payTo.toLowerCase() }],
    });
    const [agent] = listAgents();
    expect(agent).toMatchObject({ network: "local", capabilities: ["wallet"], payTo: validAgent.payTo });
  });

  test("edits to the file are picked up", () => {
    const file = useConfig({ agents: [validAgent] });
    expect(listAgents()[0]?.name).toBe("Test agent");
    writeFileSync(file, JSON.stringify({ agents: [{ ...validAgent, name: "Renamed" }] }));
    // Make sure the modification time differs even on coarse-grained file systems.
    const later = new Date(Date.now() + 5_000);
    utimesSync(file, later, later);
    expect(listAgents()[0]?.name).toBe("Renamed");
  });
});

describe("models and the environment", () => {
  test("AGENT_MODEL puts every agent on one model", () => {
    process.env.AGENT_MODEL = "compatible:llama3.2";
    expect(new Set(listAgents().map((a) => a.model))).toEqual(new Set(["compatible:llama3.2"]));
    process.env.AGENT_MODEL = "llama3.2";
    expect(() => listAgents()).toThrow('AGENT_MODEL: unknown model "llama3.2"');
  });

  test("agentStatus says which variable a model lacks", () => {
    expect(agentStatus({ model: "offline" })).toEqual({ available: true });
    expect(agentStatus({ model: "openai:gpt-4o-mini" })).toEqual({
      available: false,
      reason: 'OPENAI_API_KEY is not set (needed by model "openai:gpt-4o-mini")',
    });
    expect(agentStatus({ model: "anthropic:claude-sonnet-4-5" }).reason).toContain("ANTHROPIC_API_KEY is not set");
    expect(agentStatus({ model: "compatible:llama3.2" }).reason).toContain("OPENAI_COMPATIBLE_BASE_URL is not set");

    process.env.OPENAI_API_KEY = "sk-test";
    process.env.OPENAI_COMPATIBLE_BASE_URL = "http://127.0.0.1:11434/v1";
    expect(agentStatus({ model: "openai:gpt-4o-mini" })).toEqual({ available: true });
    expect(agentStatus({ model: "compatible:llama3.2" })).toEqual({ available: true });
  });

  test("resolveModel builds each provider's model and refuses what it cannot build", () => {
    expect(resolveModel("offline")).toBeInstanceOf(OfflineModel);
    expect(() => resolveModel("openai:gpt-4o-mini")).toThrow("OPENAI_API_KEY is not set");
    expect(() => resolveModel("ollama:llama3.2")).toThrow('unknown model "ollama:llama3.2"');
    expect(() => resolveModel("openai:")).toThrow("unknown model");

    process.env.OPENAI_API_KEY = "sk-test";
    process.env.ANTHROPIC_API_KEY = "sk-ant-test";
    process.env.OPENAI_COMPATIBLE_BASE_URL = "http://127.0.0.1:11434/v1";
    expect(resolveModel("openai:gpt-4o-mini")).toMatchObject({ provider: "openai.responses", modelId: "gpt-4o-mini" });
    expect(resolveModel("anthropic:claude-sonnet-4-5")).toMatchObject({ modelId: "claude-sonnet-4-5" });
    expect(resolveModel("compatible:llama3.2")).toMatchObject({ provider: "compatible.chat", modelId: "llama3.2" });
  });
});
