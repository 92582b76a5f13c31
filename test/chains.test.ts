import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { NETWORKS, NETWORK_LIST, explorerTxUrl, networkByChainId, networkByX402Id } from "@/lib/chains/networks";
import { readNetworkStatus } from "@/lib/chains/status";
import { testChainFixture } from "./support/fixtures";

describe("the network table", () => {
  it("names each network by chain id, CAIP-2 id and (where v1 can) v1 name", () => {
    expect(NETWORK_LIST.map((n) => n.chainId)).toEqual([31337, 84532, 8453]);
    expect(networkByChainId(84532)?.key).toBe("base-sepolia");
    expect(networkByX402Id("eip155:8453")?.key).toBe("base");
    expect(networkByX402Id("base-sepolia")?.key).toBe("base-sepolia");
    expect(networkByX402Id("eip155:1")).toBeUndefined();
    expect(NETWORKS.local.x402V1Name).toBeNull();
  });

  it("uses each USDC's own EIP-712 domain name", () => {
    expect(NETWORKS.base.usdc.eip712Name).toBe("USD Coin");
    expect(NETWORKS["base-sepolia"].usdc.eip712Name).toBe("USDC");
    expect(NETWORKS.local.usdc.eip712Name).toBe("USD Coin");
  });

  it("links transactions to an explorer except on the local chain", () => {
    expect(explorerTxUrl(NETWORKS.local, "0xabc")).toBeNull();
    expect(explorerTxUrl(NETWORKS.base, "0xabc")).toBe("https://basescan.org/tx/0xabc");
  });
});

describe("readNetworkStatus", () => {
  const anvil = testChainFixture({ contracts: false, asLocalChain: false });
  let wrongChain: Server;
  const saved = { ...process.env };

  beforeAll(async () => {
    // A JSON-RPC endpoint (single or batched calls) that claims to be chain 1: the status must not call it connected.
    wrongChain = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const parsed = JSON.parse(body) as { id: number; method: string } | Array<{ id: number; method: string }>;
        const answer = ({ id, method }: { id: number; method: string }) => ({ jsonrpc: "2.0", id, result: method === "eth_chainId" ? "0x1" : "0x10" });
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(answer) : answer(parsed)));
      });
    }).listen(0, "127.0.0.1");
    await once(wrongChain, "listening");
  });

  afterAll(async () => {
    process.env = saved;
    wrongChain?.close();
  });

  it("reports a live chain with its head block", async () => {
    process.env.LOCAL_RPC_URL = anvil.rpcUrl;
    const status = await readNetworkStatus(NETWORKS.local);
    expect(status).toMatchObject({ chainId: 31337, connected: true, blockNumber: "0" });
  });

  it("reports an unreachable RPC with its host, without throwing", async () => {
    process.env.BASE_SEPOLIA_RPC_URL = "http://127.0.0.1:1";
    const status = await readNetworkStatus(NETWORKS["base-sepolia"]);
    expect(status.connected).toBe(false);
    if (!status.connected) expect(status.error).toContain("Base Sepolia RPC unreachable (127.0.0.1:1)");
  });

  it("refuses an RPC that serves another chain", async () => {
    process.env.BASE_RPC_URL = `http://127.0.0.1:${(wrongChain.address() as AddressInfo).port}`;
    const status = await readNetworkStatus(NETWORKS.base);
    expect(status.connected).toBe(false);
    if (!status.connected) expect(status.error).toContain("is chain 1, expected 8453");
  });
});
