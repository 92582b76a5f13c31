/**
 * The faucet on a Base network: a local stand-in (npm run chain -- --as base-sepolia) is minted like the local chain
 * and labelled "stand-in"; a chain with Base Sepolia's id that is not ours (the real one, a fork) keeps no faucet.
 */
import { createPublicClient, erc20Abi, http, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET, POST } from "@/app/api/faucet/route";
import { NETWORKS } from "@/lib/chains/networks";
import { ensureStandInContracts, startAnvil, type Anvil } from "@/lib/devchain";

const network = NETWORKS["base-sepolia"];

const get = () => GET(new Request(`http://app.test/api/faucet?chainId=${network.chainId}`));
const post = (address: string) =>
  POST(
    new Request("http://app.test/api/faucet", {
      method: "POST",
      body: JSON.stringify({ address, chainId: network.chainId }),
      headers: { "content-type": "application/json" },
    }),
  );

function chainFixture(standIn: boolean) {
  let anvil: Anvil;
  beforeAll(async () => {
    anvil = await startAnvil({ port: 0, silent: true, chainId: network.chainId });
    if (standIn) await ensureStandInContracts(anvil.rpcUrl, "base-sepolia");
    vi.stubEnv("BASE_SEPOLIA_RPC_URL", anvil.rpcUrl);
    vi.stubEnv("CDP_API_KEY_ID", "");
    vi.stubEnv("CDP_API_KEY_SECRET", "");
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await anvil?.stop();
  });
  return () => anvil;
}

describe("on a Base Sepolia stand-in", () => {
  const anvil = chainFixture(true);

  it("GET says the faucet is the stand-in's", async () => {
    const res = await get();
    expect(await res.json()).toEqual({ chainId: 84532, kind: "stand-in", externalUrl: "https://faucet.circle.com" });
  });

  it("POST mints 10 USDC at Base Sepolia's USDC address and sends 0.01 ETH", async () => {
    const address = privateKeyToAddress(generatePrivateKey());
    const res = await post(address);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, kind: "stand-in", usdc: "10000000", eth: "10000000000000000" });
    const client = createPublicClient({ transport: http(anvil().rpcUrl) });
    const usdc = await client.readContract({ address: network.usdc.address, abi: erc20Abi, functionName: "balanceOf", args: [address] });
    expect(usdc).toBe(10_000000n);
    expect(await client.getBalance({ address })).toBe(parseEther("0.01"));
  });
});

describe("on a chain with Base Sepolia's id that is not our stand-in", () => {
  chainFixture(false);

  it("has no faucet: GET says none and POST is refused", async () => {
    expect(await (await get()).json()).toMatchObject({ kind: "none" });
    const res = await post(privateKeyToAddress(generatePrivateKey()));
    expect(res.status).toBe(403);
    expect((await res.json()).error).toMatchObject({ code: "no_faucet" });
  });
});
