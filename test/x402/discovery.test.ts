import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { catalog } from "@/lib/agents/catalog";
import { NETWORKS } from "@/lib/chains/networks";
import { x402Manifest } from "@/lib/x402/server/discovery";
import { setEnv } from "../support/fixtures";

describe("the free catalog", () => {
  it("lists the published agents with id, status, capabilities, price, network and payTo", () => {
    const agents = catalog();
    expect(agents.map((a) => a.id)).toEqual([
      "00000000-0000-0000-0000-000000000001",
      "00000000-0000-0000-0000-000000000002",
      "00000000-0000-0000-0000-000000000003",
      "00000000-0000-0000-0000-000000000004",
    ]);
    expect(agents[0]).toMatchObject({
      name: "Market Analyst",
      capabilities: ["chainlink", "defillama"],
      price: "0.01",
      network: { chainId: 31337, caip2: "eip155:31337" },
      status: "available",
      endpoint: "/api/x402/00000000-0000-0000-0000-000000000001/chat",
    });
    expect(agents[0]!.model).toContain("offline");
    expect(new Set(agents.map((a) => a.payTo)).size).toBe(4); // each agent is paid at its own address
    expect(agents[3]).toMatchObject({ network: { key: "base-sepolia", chainId: 84532, caip2: "eip155:84532" } });
  });

  it("says each agent takes exact and tabs (on Base Sepolia only with FACILITATOR_PRIVATE_KEY), with its maximum and its token pricing", () => {
    const restore = setEnv({ FACILITATOR_PRIVATE_KEY: "" });
    const agents = catalog();
    restore();
    for (const agent of agents) {
      expect(agent.schemes).toEqual(agent.network.key === "local" ? ["exact", "batch-settlement"] : ["exact"]);
    }
    expect(agents.map((a) => a.pricing)).toEqual([
      {
        maxPerMessage: "0.01",
        tokens: { inputPerMillion: "2.50", outputPerMillion: "10.00", minimum: "0.001" },
        description: "2.50 USDC / M input tokens, 10.00 / M output, min 0.001, max 0.01",
      },
      { maxPerMessage: "0.005", tokens: null, description: "0.005 USDC per message" },
      { maxPerMessage: "0.001", tokens: null, description: "0.001 USDC per message" },
      { maxPerMessage: "0.002", tokens: null, description: "0.002 USDC per message" },
    ]);
  });
});

describe("/.well-known/x402", () => {
  it("describes every paid route with its price in the network's USDC and our facilitator", () => {
    const manifest = x402Manifest("http://127.0.0.1:3000");
    expect(manifest.facilitator.url).toBe("http://127.0.0.1:3000/api/facilitator");
    expect(manifest.resources).toHaveLength(8); // two paths per agent
    const market = manifest.resources.find((r) => r.resource === "http://127.0.0.1:3000/api/x402/00000000-0000-0000-0000-000000000001/chat");
    expect(market?.accepts[0]).toMatchObject({
      scheme: "exact",
      network: "eip155:31337",
      amount: "10000",
      asset: NETWORKS.local.usdc.address,
      extra: { name: "USD Coin", version: "2" },
    });
  });

  it("offers every local route in both schemes at the per-message maximum, with the agent's pricing", () => {
    const manifest = x402Manifest("http://127.0.0.1:3000");
    // Tabs on Base Sepolia need FACILITATOR_PRIVATE_KEY (the next describe).
    for (const resource of manifest.resources.filter((r) => r.agentId !== "00000000-0000-0000-0000-000000000004")) {
      expect(resource.schemes).toEqual(["exact", "batch-settlement"]);
      expect(resource.accepts.map((a) => a.scheme)).toEqual(["exact", "batch-settlement"]);
      // A tab authorizes the same maximum per message, to the same payee, in the same token.
      const [exact, tab] = resource.accepts;
      expect(tab).toEqual({ ...exact, scheme: "batch-settlement" });
      expect(resource.pricing.maxPerMessage).toBe(resource.priceUsdc);
    }
    const byAgent = (id: string) => manifest.resources.filter((r) => r.agentId === id);
    for (const market of byAgent("00000000-0000-0000-0000-000000000001")) {
      expect(market.accepts[1]).toMatchObject({ amount: "10000", payTo: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc" });
      expect(market.pricing.tokens).toEqual({ inputPerMillion: "2.50", outputPerMillion: "10.00", minimum: "0.001" });
    }
    for (const wallet of byAgent("00000000-0000-0000-0000-000000000002")) {
      expect(wallet.accepts[1]).toMatchObject({ amount: "5000" });
      expect(wallet.pricing).toMatchObject({ maxPerMessage: "0.005", tokens: null });
    }
  });
});

describe("a network no facilitator here serves tabs on", () => {
  it("lists exact only, as the 402 offers it, until FACILITATOR_PRIVATE_KEY lets ours serve tabs there", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "discovery-"));
    const file = path.join(dir, "agents.json");
    const [shipped] = JSON.parse(readFileSync("agents.config.json", "utf8")).agents as object[];
    writeFileSync(file, JSON.stringify({ agents: [{ ...shipped, network: "base-sepolia" }] }));
    const restore = setEnv({ AGENTS_CONFIG: file, FACILITATOR_PRIVATE_KEY: "" });
    try {
      expect(catalog()[0]!.schemes).toEqual(["exact"]);
      expect(x402Manifest("http://x").resources[0]).toMatchObject({ schemes: ["exact"], accepts: [{ scheme: "exact", network: "eip155:84532" }] });
      // The pricing is the agent's all the same: it is what a tab would be charged, wherever one is served.
      expect(catalog()[0]!.pricing.tokens).toEqual({ inputPerMillion: "2.50", outputPerMillion: "10.00", minimum: "0.001" });
      // Anvil's account #1: any key makes our facilitator serve the Base networks, tabs included.
      process.env.FACILITATOR_PRIVATE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
      expect(catalog()[0]!.schemes).toEqual(["exact", "batch-settlement"]);
      expect(x402Manifest("http://x").resources[0]!.accepts.map((a) => a.scheme)).toEqual(["exact", "batch-settlement"]);
    } finally {
      restore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
