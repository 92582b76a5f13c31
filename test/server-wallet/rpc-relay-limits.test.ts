/**
 * POST /api/rpc/[chainId] cannot keep the chain busy or the app's memory full: gas is bounded by the block
 * gas limit (per call and per request), bodies are JSON within a limit, and a client that hangs up cancels
 * what it started upstream. Against a real anvil with an infinite-loop contract.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createPublicClient, createTestClient, erc20Abi, http, toHex, type Address } from "viem";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { POST } from "@/app/api/rpc/[chainId]/route";
import type { LocalDeployment } from "@/lib/devchain";
import { testChainFixture } from "../support/fixtures";

const anvil = testChainFixture();
let deployment: LocalDeployment;
let blockGasLimit: bigint;
// JUMPDEST PUSH0 JUMP: loops until its gas runs out.
const LOOP: Address = "0x00000000000000000000000000000000000100aa";
// GAS PUSH0 MSTORE PUSH1 0x20 PUSH0 RETURN: returns the gas it was left with, i.e. about the gas it was given.
const GAS_REPORTER: Address = "0x00000000000000000000000000000000000100bb";

beforeAll(async () => {
  deployment = anvil.deployment;
  const testClient = createTestClient({ chain: foundry, mode: "anvil", transport: http(anvil.rpcUrl) });
  await testClient.setCode({ address: LOOP, bytecode: "0x5b5f56" });
  await testClient.setCode({ address: GAS_REPORTER, bytecode: "0x5a5f5260205ff3" });
  blockGasLimit = (await createPublicClient({ transport: http(anvil.rpcUrl) }).getBlock()).gasLimit;
});

afterAll(() => {
  vi.unstubAllEnvs();
});

const relayRequest = (init: RequestInit) =>
  POST(new Request("http://app.test/api/rpc/31337", { method: "POST", ...init }), { params: Promise.resolve({ chainId: "31337" }) });

async function call(body: unknown) {
  const res = await relayRequest({ body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  return { status: res.status, body: await res.json() };
}

const ethCall = (tx: Record<string, unknown>, id = 1, extra: unknown[] = []) => ({
  jsonrpc: "2.0",
  id,
  method: "eth_call",
  params: [tx, "latest", ...extra],
});

describe("gas through the relay", () => {
  it("refuses a call whose gas is above the block gas limit, and the chain stays responsive", async () => {
    const { body } = await call(ethCall({ to: LOOP, gas: "0xffffffffff" }));
    expect(body).toMatchObject({ id: 1, error: { code: -32602, message: expect.stringMatching(/above the block gas limit/) } });
    const { body: estimate } = await call({ jsonrpc: "2.0", id: 2, method: "eth_estimateGas", params: [{ to: LOOP, gas: toHex(blockGasLimit + 1n) }] });
    expect(estimate.error.code).toBe(-32602);
    expect((await call({ jsonrpc: "2.0", id: 3, method: "eth_blockNumber", params: [] })).body.result).toMatch(/^0x/);
  });

  it("refuses a batch whose calls name more gas in all than one block's limit", async () => {
    const half = toHex(blockGasLimit / 2n);
    const { body } = await call([ethCall({ to: LOOP, gas: half }, 1), ethCall({ to: LOOP, gas: half }, 2), ethCall({ to: LOOP, gas: half }, 3)]);
    expect(body).toHaveLength(3);
    for (const answer of body) {
      expect(answer.error).toMatchObject({ code: -32602, message: expect.stringMatching(/more than one block's gas limit/) });
    }
  });

  it("forwards calls that name no gas with a bounded share, even when block overrides raise the limit", async () => {
    const reported = (answer: { result: string }) => BigInt(answer.result);
    const { body: single } = await call(ethCall({ to: GAS_REPORTER }, 1, [{}, { gasLimit: "0xffffffffff" }]));
    expect(reported(single)).toBeLessThanOrEqual(blockGasLimit);
    expect(reported(single)).toBeGreaterThan(blockGasLimit - 100_000n);

    const { body: pair } = await call([ethCall({ to: GAS_REPORTER }, 1), ethCall({ to: GAS_REPORTER }, 2)]);
    for (const answer of pair) expect(reported(answer)).toBeLessThanOrEqual(blockGasLimit / 2n);

    // A named gas is taken out first; the calls without one share the rest.
    const { body: mixed } = await call([ethCall({ to: GAS_REPORTER, gas: toHex(blockGasLimit / 4n) }, 1), ethCall({ to: GAS_REPORTER }, 2)]);
    expect(reported(mixed[0])).toBeLessThanOrEqual(blockGasLimit / 4n);
    expect(reported(mixed[1])).toBeLessThanOrEqual((blockGasLimit * 3n) / 4n);
    expect(reported(mixed[1])).toBeGreaterThan(blockGasLimit / 2n);

    // The loop without gas ends with its share instead of running on.
    const { body: loop } = await call(ethCall({ to: LOOP }, 1, [{}, { gasLimit: "0xffffffffff" }]));
    expect(loop.error.message).toMatch(/OutOfGas/i);
  });

  it("keeps viem's reads working: balances, multicall and a batched transport", async () => {
    const client = createPublicClient({
      chain: foundry,
      transport: http("http://app.test/api/rpc/31337", {
        batch: true,
        fetchFn: (_url, init) => relayRequest(init as RequestInit),
      }),
    });
    const [symbol, balance] = await client.multicall({
      multicallAddress: deployment.multicall3,
      allowFailure: false,
      contracts: [
        { address: deployment.usdc, abi: erc20Abi, functionName: "symbol" },
        { address: deployment.usdc, abi: erc20Abi, functionName: "balanceOf", args: [deployment.owner] },
      ],
    });
    expect(symbol).toBe("USDC");
    expect(balance).toBe(0n);
    const [eth, decimals] = await Promise.all([
      client.getBalance({ address: deployment.owner }),
      client.readContract({ address: deployment.usdc, abi: erc20Abi, functionName: "decimals" }),
    ]);
    expect(eth).toBeGreaterThan(0n);
    expect(decimals).toBe(6);
    expect(await client.estimateGas({ account: deployment.owner, to: deployment.owner, value: 1n })).toBe(21_000n);
  });
});

describe("bodies through the relay", () => {
  it("accepts application/json only (415 otherwise)", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await relayRequest({ body, headers: { "content-type": type } });
      expect(res.status).toBe(415);
      expect((await res.json()).error.data).toEqual({ code: "unsupported_media_type" });
    }
    expect((await relayRequest({ body, headers: { "content-type": "application/json; charset=utf-8" } })).status).toBe(200);
  });

  it("answers 413 to a chunked 200 MB body after reading little more than the limit", async () => {
    const total = 200 * 1024 * 1024;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let pulled = 0;
    async function* spaces() {
      yield new TextEncoder().encode('{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[],"pad":"');
      while (pulled < total) {
        pulled += chunk.byteLength;
        yield chunk;
      }
      yield new TextEncoder().encode('"}');
    }
    const source = spaces();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await source.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    });
    const res = await relayRequest({
      body: stream,
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).error.data).toEqual({ code: "body_too_large" });
    expect(pulled).toBeLessThan(1024 * 1024);
  });
});

describe("upstream requests", () => {
  let upstream: Server;
  let holding: Promise<void>;
  let hangingUp: Promise<void>;

  beforeAll(async () => {
    // A node that answers the block read and holds eth_call open, noting when the relay closes it.
    let held!: () => void;
    let closed!: () => void;
    holding = new Promise((resolve) => (held = resolve));
    hangingUp = new Promise((resolve) => (closed = resolve));
    upstream = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const { id, method } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      if (method === "eth_getBlockByNumber") {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ jsonrpc: "2.0", id, result: { gasLimit: toHex(blockGasLimit) } }));
        return;
      }
      res.once("close", () => closed());
      held();
    });
    upstream.listen(0, "127.0.0.1");
    await once(upstream, "listening");
  });

  afterAll(async () => {
    upstream.closeAllConnections();
    upstream.close();
    vi.stubEnv("LOCAL_RPC_URL", anvil.rpcUrl);
  });

  it("aborts the upstream call when the client hangs up", async () => {
    vi.stubEnv("LOCAL_RPC_URL", `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    const client = new AbortController();
    const answer = relayRequest({
      body: JSON.stringify(ethCall({ to: LOOP })),
      headers: { "content-type": "application/json" },
      signal: client.signal,
    });
    await holding;
    client.abort();
    await hangingUp;
    expect((await (await answer).json()).error.message).toMatch(/went away/);
  });
});
