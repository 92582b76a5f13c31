/** buildTools: which tools an agent run gets. */
import { asSchema } from "ai";
import { describe, expect, test } from "vitest";
import type { AgentConfig } from "@/lib/agents/registry";
import { buildTools, toToolkitName } from "@/lib/agents/tools";

type Agent = Pick<AgentConfig, "capabilities" | "network">;
const analyst: Agent = { capabilities: ["chainlink", "defillama"], network: "local" };
const walletAssistant: Agent = { capabilities: ["wallet"], network: "base-sepolia" };
const guide: Agent = { capabilities: [], network: "local" };

const names = (agent: Agent, selected?: string[]) => Object.keys(buildTools(agent, selected)).sort();

describe("buildTools", () => {
  test("without a selection, gives all the agent's toolkits", () => {
    expect(names(analyst)).toEqual(["getPrice", "getProtocolTvl", "getTokenPrices"]);
    expect(names(walletAssistant)).toEqual(["getBalances", "getTransaction"]);
    expect(names(guide)).toEqual([]);
  });

  test("a selection narrows to toolkits that are also capabilities", () => {
    expect(names(analyst, ["chainlink"])).toEqual(["getPrice"]);
    expect(names(analyst, ["defillama", "wallet"])).toEqual(["getProtocolTvl", "getTokenPrices"]);
    expect(names(walletAssistant, ["chainlink", "defillama"])).toEqual([]);
    expect(names(analyst, [])).toEqual([]);
  });

  test('"coinbase" selects the wallet toolkit; unknown names are ignored', () => {
    expect(names(walletAssistant, ["coinbase"])).toEqual(["getBalances", "getTransaction"]);
    expect(names(walletAssistant, ["Coinbase", "weather"])).toEqual(["getBalances", "getTransaction"]);
    expect(names(analyst, ["weather", "chainlink"])).toEqual(["getPrice"]);
  });

  test("tools describe the agent's network", () => {
    expect(buildTools(walletAssistant).getBalances?.description).toContain("Base Sepolia");
    expect(buildTools(analyst).getPrice?.description).toContain("Local dev chain");
  });

  test("a later run reuses the tools and their input schemas' JSON Schema instead of converting zod again", async () => {
    const first = buildTools(analyst);
    const again = buildTools(analyst, ["chainlink"]);
    expect(again.getPrice).toBe(first.getPrice);
    // What the AI SDK does with a tool's input schema on every step: the same wrapper, so the same JSON Schema object.
    const jsonSchema = (set: typeof first) => asSchema(set.getPrice!.inputSchema).jsonSchema;
    expect(await jsonSchema(again)).toBe(await jsonSchema(first));
    expect(await jsonSchema(first)).toMatchObject({ type: "object", properties: { pair: { type: "string" } } });
  });

  test("toToolkitName maps names and aliases", () => {
    expect(["chainlink", " DeFiLlama ", "wallet", "coinbase", "weather"].map(toToolkitName)).toEqual([
      "chainlink",
      "defillama",
      "wallet",
      "wallet",
      undefined,
    ]);
  });
});

describe("tool input validation", () => {
  test("getBalances and getTransaction refuse malformed input before touching the chain", async () => {
    const { getBalances, getTransaction } = buildTools(walletAssistant);
    // The toolkits define their inputs with zod; the AI SDK validates model output against them.
    const accepts = async (schema: Parameters<typeof asSchema>[0], value: unknown) =>
      (await asSchema(schema).validate!(value)).success;

    expect(await accepts(getBalances?.inputSchema, { address: "0x1234" })).toBe(false);
    expect(await accepts(getBalances?.inputSchema, { address: "0x976EA74026E726554dB657fA54763abd0C3a0aa9" })).toBe(true);
    expect(await accepts(getTransaction?.inputSchema, { hash: "0xabc" })).toBe(false);
    expect(await accepts(getTransaction?.inputSchema, { hash: `0x${"ab".repeat(32)}` })).toBe(true);
  });
});
