/** The dev chain itself: anvil's lifecycle, idempotent deployment, saved state, and Multicall3. */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  createPublicClient,
  createTestClient,
  encodeFunctionData,
  erc20Abi,
  http,
  parseAbi,
  parseEther,
  type Address,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import deploymentJson from "../../lib/chains/local-deployment.json";
import {
  ensureLocalContracts,
  fundLocalAccount,
  pickFreePort,
  startAnvil,
  type Anvil,
  type LocalDeployment,
} from "../../lib/devchain";

// The aggregates are payable on chain; declared view here (as viem's own copy does) so readContract takes them.
const multicall3Abi = parseAbi([
  "struct Call { address target; bytes callData; }",
  "struct Call3 { address target; bool allowFailure; bytes callData; }",
  "struct Result { bool success; bytes returnData; }",
  "function getChainId() view returns (uint256 chainid)",
  "function getEthBalance(address addr) view returns (uint256 balance)",
  "function getBlockNumber() view returns (uint256 blockNumber)",
  "function aggregate3(Call3[] calls) view returns (Result[] returnData)",
  "function tryAggregate(bool requireSuccess, Call[] calls) view returns (Result[] returnData)",
]);

const publicClientFor = (rpcUrl: string) =>
  createPublicClient({ chain: foundry, transport: http(rpcUrl), pollingInterval: 50 });

/** What a deployment would change: the chain's height and the deployer's nonce. */
async function chainActivity(rpcUrl: string, owner: Address) {
  const client = publicClientFor(rpcUrl);
  return { block: await client.getBlockNumber(), ownerNonce: await client.getTransactionCount({ address: owner }) };
}

let anvil: Anvil;
let deployment: LocalDeployment;

beforeAll(async () => {
  anvil = await startAnvil({ port: 0, silent: true });
  deployment = await ensureLocalContracts(anvil.rpcUrl);
});

afterAll(async () => {
  await anvil?.stop();
});

describe("ensureLocalContracts", () => {
  it("puts the contracts at the committed addresses", async () => {
    expect(deployment).toEqual(deploymentJson);
    const client = publicClientFor(anvil.rpcUrl);
    for (const address of [deployment.usdc, deployment.priceFeed, deployment.multicall3]) {
      expect(await client.getCode({ address })).toMatch(/^0x[0-9a-f]{100,}$/);
    }
    expect(await client.readContract({ address: deployment.usdc, abi: erc20Abi, functionName: "symbol" })).toBe("USDC");
  });

  it("deploys nothing the second time", async () => {
    const before = await chainActivity(anvil.rpcUrl, deployment.owner);
    expect(await ensureLocalContracts(anvil.rpcUrl)).toEqual(deployment);
    expect(await chainActivity(anvil.rpcUrl, deployment.owner)).toEqual(before);
  });

  it("refuses a chain whose saved code differs from this build, and says how to reset", async () => {
    const stale = await startAnvil({ port: 0, silent: true });
    try {
      await ensureLocalContracts(stale.rpcUrl);
      const testClient = createTestClient({ chain: foundry, mode: "anvil", transport: http(stale.rpcUrl) });
      await testClient.setCode({ address: deployment.priceFeed, bytecode: "0x6000" });
      await expect(ensureLocalContracts(stale.rpcUrl)).rejects.toThrow(/other code at .*scripts\/chain\.ts reset/);
    } finally {
      await stale.stop();
    }
  });
});

describe("Multicall3 at the canonical address", () => {
  const usdcCall = (functionName: "symbol" | "decimals") => encodeFunctionData({ abi: erc20Abi, functionName });

  it("answers getChainId and getEthBalance", async () => {
    const client = publicClientFor(anvil.rpcUrl);
    const read = { address: deployment.multicall3, abi: multicall3Abi } as const;
    expect(await client.readContract({ ...read, functionName: "getChainId" })).toBe(31337n);
    expect(await client.readContract({ ...read, functionName: "getEthBalance", args: [deployment.owner] })).toBe(
      await client.getBalance({ address: deployment.owner }),
    );
  });

  it("batches calls with aggregate3, reporting failures it was allowed to skip", async () => {
    const client = publicClientFor(anvil.rpcUrl);
    const results = await client.readContract({
      address: deployment.multicall3,
      abi: multicall3Abi,
      functionName: "aggregate3",
      args: [
        [
          { target: deployment.usdc, allowFailure: false, callData: usdcCall("decimals") },
          { target: deployment.usdc, allowFailure: true, callData: "0xdeadbeef" },
        ],
      ],
    });
    expect(results.map((r) => r.success)).toEqual([true, false]);
    expect(BigInt(results[0]?.returnData ?? "0x")).toBe(6n);

    await expect(
      client.readContract({
        address: deployment.multicall3,
        abi: multicall3Abi,
        functionName: "aggregate3",
        args: [[{ target: deployment.usdc, allowFailure: false, callData: "0xdeadbeef" }]],
      }),
    ).rejects.toThrow(/Multicall3: call failed/);
  });

  it("serves viem's multicall and the tryAggregate the x402 facilitator uses", async () => {
    const client = publicClientFor(anvil.rpcUrl);
    const viaViem = await client.multicall({
      multicallAddress: deployment.multicall3,
      contracts: [
        { address: deployment.usdc, abi: erc20Abi, functionName: "symbol" },
        { address: deployment.usdc, abi: erc20Abi, functionName: "balanceOf", args: [deployment.owner] },
      ],
    });
    expect(viaViem).toEqual([
      { status: "success", result: "USDC" },
      { status: "success", result: 0n },
    ]);

    const tried = await client.readContract({
      address: deployment.multicall3,
      abi: multicall3Abi,
      functionName: "tryAggregate",
      args: [
        false,
        [
          { target: deployment.usdc, callData: usdcCall("symbol") },
          { target: deployment.usdc, callData: "0xdeadbeef" },
        ],
      ],
    });
    expect(tried.map((r) => r.success)).toEqual([true, false]);
  });
});

describe("startAnvil", () => {
  it("listens on the port it is given, and reports a port that is taken", async () => {
    const port = await pickFreePort();
    const first = await startAnvil({ port, silent: true });
    try {
      expect(first.port).toBe(port);
      expect(first.rpcUrl).toBe(`http://127.0.0.1:${port}`);
      await expect(startAnvil({ port, silent: true })).rejects.toThrow(/already in use/);
    } finally {
      await first.stop();
    }
  });

  it("keeps the chain across a stop and a start with the same state file", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "devchain-"));
    const stateFile = path.join(dir, "nested", "anvil-state.json");
    const holder = privateKeyToAccount(generatePrivateKey()).address;
    try {
      const first = await startAnvil({ port: 0, stateFile, silent: true });
      await ensureLocalContracts(first.rpcUrl);
      await fundLocalAccount(first.rpcUrl, holder, { usdc: 5_000000n, eth: parseEther("1") });
      const saved = await chainActivity(first.rpcUrl, deployment.owner);
      await first.stop();
      expect(first.process.exitCode).toBe(0);
      expect(existsSync(stateFile)).toBe(true);

      const second = await startAnvil({ port: 0, stateFile, silent: true });
      try {
        const client = publicClientFor(second.rpcUrl);
        const usdcBalance = await client.readContract({
          address: deployment.usdc,
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [holder],
        });
        expect(usdcBalance).toBe(5_000000n);
        expect(await client.getBalance({ address: holder })).toBe(parseEther("1"));
        await ensureLocalContracts(second.rpcUrl);
        expect(await chainActivity(second.rpcUrl, deployment.owner)).toEqual(saved);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
