/**
 * An agent's status reflects its toolkits' reachability, through GET /api/agents: DeFiLlama made unreachable the
 * way the other agent tests do it (its URL points at a port where nothing listens), then answering (a double).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/agents/route";
import type { CatalogEntry } from "@/lib/agents/catalog";
import { setEnv } from "../support/fixtures";
import { startDefiLlamaDouble } from "./support/defillama-double";
import { deadUrl } from "./support/http";

const ANALYST = "00000000-0000-0000-0000-000000000001"; // chainlink + defillama
const WALLET = "00000000-0000-0000-0000-000000000002"; // wallet only
const GUIDE = "00000000-0000-0000-0000-000000000003"; // defillama only

let double: Awaited<ReturnType<typeof startDefiLlamaDouble>>;
beforeAll(async () => {
  double = await startDefiLlamaDouble();
});
afterAll(async () => {
  await double?.close();
});

async function statuses(): Promise<Record<string, Pick<CatalogEntry, "status" | "statusReason">>> {
  const { agents } = (await (await GET()).json()) as { agents: CatalogEntry[] };
  return Object.fromEntries(agents.map((a) => [a.id, { status: a.status, statusReason: a.statusReason }]));
}

describe("GET /api/agents: status and toolkit reachability", () => {
  it("says degraded: DeFiLlama unreachable for the agents with the defillama toolkit, while it is down", async () => {
    const restore = setEnv({ DEFILLAMA_BASE_URL: await deadUrl(), DEFILLAMA_COINS_URL: await deadUrl() });
    try {
      const status = await statuses();
      expect(status[ANALYST]).toEqual({ status: "degraded", statusReason: "DeFiLlama unreachable" });
      expect(status[GUIDE]).toEqual({ status: "degraded", statusReason: "DeFiLlama unreachable" });
      expect(status[WALLET]).toEqual({ status: "available" });
    } finally {
      restore();
    }
  });

  it("says available when DeFiLlama answers", async () => {
    const restore = setEnv({ DEFILLAMA_BASE_URL: double.url, DEFILLAMA_COINS_URL: double.url });
    try {
      const status = await statuses();
      for (const id of [ANALYST, GUIDE, WALLET]) expect(status[id]).toEqual({ status: "available" });
    } finally {
      restore();
    }
  });
});
