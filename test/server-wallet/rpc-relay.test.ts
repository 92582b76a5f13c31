/** POST /api/rpc/[chainId] against a real anvil: reads pass, everything else is refused before the chain sees it. */
import { createPublicClient, http, toHex } from "viem";
import { describe, expect, it } from "vitest";
import { POST } from "@/app/api/rpc/[chainId]/route";
import { testChainFixture } from "../support/fixtures";

const anvil = testChainFixture({ contracts: false });

async function call(body: unknown, chainId = "31337") {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const res = await POST(
    new Request(`http://app.test/api/rpc/${chainId}`, { method: "POST", body: text, headers: { "content-type": "application/json" } }),
    { params: Promise.resolve({ chainId }) },
  );
  return { status: res.status, body: await res.json() };
}

const rpc = (method: string, params: unknown[] = [], id: number = 1) => ({ jsonrpc: "2.0", id, method, params });
// Anvil's account #0: unlocked on anvil, so an eth_sendTransaction that reached the chain would succeed.
const anvilAccount0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

describe("the read-only RPC relay", () => {
  it("relays reads, single and batched", async () => {
    expect((await call(rpc("eth_chainId"))).body).toEqual({ jsonrpc: "2.0", id: 1, result: "0x7a69" });
    const { body } = await call([rpc("eth_blockNumber", [], 1), rpc("eth_getBalance", [anvilAccount0, "latest"], 2)]);
    expect(body.map((r: { id: number }) => r.id)).toEqual([1, 2]);
    expect(BigInt(body[1].result)).toBeGreaterThan(0n);
  });

  it("refuses methods that sign, send or change the chain, and the chain stays unchanged", async () => {
    const client = createPublicClient({ transport: http(anvil.rpcUrl) });
    const nonce = await client.getTransactionCount({ address: anvilAccount0 });
    for (const method of ["eth_sendTransaction", "eth_sendRawTransaction", "eth_sign", "personal_sign", "anvil_setBalance", "eth_accounts"]) {
      const { body } = await call(rpc(method, [{ from: anvilAccount0, to: anvilAccount0, value: "0x1" }]));
      expect(body.error).toMatchObject({ code: -32601, message: expect.stringContaining(method) });
    }
    expect(await client.getTransactionCount({ address: anvilAccount0 })).toBe(nonce);
  });

  it("bounds eth_getLogs to 1000 blocks with numeric bounds", async () => {
    expect((await call(rpc("eth_getLogs", [{ fromBlock: "0x0", toBlock: toHex(999) }]))).body.result).toEqual([]);
    for (const filter of [{ fromBlock: "0x0", toBlock: toHex(1000) }, { fromBlock: "earliest", toBlock: "latest" }, {}]) {
      expect((await call(rpc("eth_getLogs", [filter]))).body.error.code).toBe(-32602);
    }
  });

  it("rejects malformed requests, big batches, oversized bodies and unknown chains", async () => {
    expect((await call("{")).body.error.code).toBe(-32700);
    expect((await call({ id: 1, method: "eth_chainId" })).body.error.code).toBe(-32600);
    expect((await call(Array.from({ length: 21 }, (_, i) => rpc("eth_chainId", [], i)))).body.error.code).toBe(-32600);
    expect((await call(rpc("eth_call", ["x".repeat(70_000)]))).body.error.code).toBe(-32600);
    expect((await call(rpc("eth_chainId"), "1")).status).toBe(404);
  });
});
