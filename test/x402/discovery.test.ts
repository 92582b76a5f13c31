import { describe, expect, it } from "vitest";
import { catalog } from "@/lib/agents/catalog";
import { NETWORKS } from "@/lib/chains/networks";
import { x402Manifest } from "@/lib/x402/server/discovery";

describe("the free catalog", () => {
  it("lists the published agents with id, status, capabilities, price, network and payTo", () => {
    const agents = catalog();
    expect(agents.map((a) => a.id)).toEqual([
      "00000000-0000-0000-0000-000000000001",
      "00000000-0000-0000-0000-000000000002",
      "00000000-0000-0000-0000-000000000003",
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
    expect(new Set(agents.map((a) => a.payTo)).size).toBe(3); // each agent is paid at its own address
  });
});

describe("/.well-known/x402", () => {
  it("describes every paid route with its price in the network's USDC and our facilitator", () => {
    const manifest = x402Manifest("http://127.0.0.1:3000");
    expect(manifest.facilitator.url).toBe("http://127.0.0.1:3000/api/facilitator");
    expect(manifest.resources).toHaveLength(6); // two paths per agent
    const market = manifest.resources.find((r) => r.resource === "http://127.0.0.1:3000/api/x402/00000000-0000-0000-0000-000000000001/chat");
    expect(market?.accepts[0]).toMatchObject({
      scheme: "exact",
      network: "eip155:31337",
      amount: "10000",
      asset: NETWORKS.local.usdc.address,
      extra: { name: "USD Coin", version: "2" },
    });
  });
});
