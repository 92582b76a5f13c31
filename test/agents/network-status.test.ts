/**
 * The Base Sepolia agent of the shipped catalog shows as unavailable while its network is unreachable, and as
 * available while it answers (a local stand-in), through GET /api/agents; the paid route then refuses it too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/agents/route";
import type { CatalogEntry } from "@/lib/agents/catalog";
import { NETWORKS } from "@/lib/chains/networks";
import { ensureStandInContracts, startAnvil, type Anvil } from "@/lib/devchain";
import { handlePaidAgentChat } from "@/lib/x402/server/paid-chat";
import { setEnv } from "../support/fixtures";
import { deadUrl } from "./support/http";

const BASE_SEPOLIA_AGENT = "00000000-0000-0000-0000-000000000004";
const WALLET = "00000000-0000-0000-0000-000000000002"; // on the local chain, never checked

let anvil: Anvil;
beforeAll(async () => {
  anvil = await startAnvil({ port: 0, silent: true, chainId: NETWORKS["base-sepolia"].chainId });
  await ensureStandInContracts(anvil.rpcUrl, "base-sepolia");
});
afterAll(async () => {
  await anvil?.stop();
});

async function catalogById(): Promise<Record<string, CatalogEntry>> {
  const { agents } = (await (await GET()).json()) as { agents: CatalogEntry[] };
  return Object.fromEntries(agents.map((a) => [a.id, a]));
}

describe("GET /api/agents: an agent's network", () => {
  it("publishes one agent on Base Sepolia", async () => {
    const restore = setEnv({ BASE_SEPOLIA_RPC_URL: anvil.rpcUrl });
    try {
      const agents = Object.values(await catalogById()).filter((a) => a.network.key === "base-sepolia");
      expect(agents.map((a) => a.id)).toEqual([BASE_SEPOLIA_AGENT]);
      expect(agents[0]).toMatchObject({ network: { chainId: 84532, caip2: "eip155:84532" }, status: "available" });
    } finally {
      restore();
    }
  });

  it("says unavailable, naming the network, while its RPC does not answer; the paid route refuses it", async () => {
    const restore = setEnv({ BASE_SEPOLIA_RPC_URL: await deadUrl(), DATA_DIR: "memory://" });
    try {
      const agents = await catalogById();
      expect(agents[BASE_SEPOLIA_AGENT]).toMatchObject({ status: "unavailable", statusReason: expect.stringMatching(/^Base Sepolia RPC unreachable \(127\.0\.0\.1:\d+\)/) });
      expect(agents[WALLET]!.status).toBe("available");
      const res = await handlePaidAgentChat(
        new Request(`http://app.test/api/x402/${BASE_SEPOLIA_AGENT}/chat`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ messages: [{ role: "user", content: "hello" }] }),
        }),
        BASE_SEPOLIA_AGENT,
      );
      expect(res.status).toBe(503);
      expect((await res.json()).error).toMatchObject({ code: "agent_unavailable", message: expect.stringContaining("Base Sepolia RPC unreachable") });
    } finally {
      restore();
    }
  });

  it("says available again once it answers", async () => {
    const restore = setEnv({ BASE_SEPOLIA_RPC_URL: anvil.rpcUrl });
    try {
      expect((await catalogById())[BASE_SEPOLIA_AGENT]).toMatchObject({ status: "available" });
    } finally {
      restore();
    }
  });
});
