/**
 * The Base stand-ins on a real anvil: chain id, USDC at the network's address under its EIP-712 domain (an
 * EIP-3009 authorization signed with that domain is accepted, one signed with the other network's name is not),
 * Multicall3 and the tab contracts at their canonical addresses, minting for the faucet, and a restart that keeps
 * the token. Each stand-in is also checked against what the real network's USDC calls itself (networks.ts).
 */
import { randomBytes } from "node:crypto";
import { authorizationTypes } from "@x402/evm";
import { createPublicClient, createWalletClient, http, parseAbi, parseEther, toHex, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import deploymentJson from "../../lib/chains/local-deployment.json";
import { NETWORKS, viemChainOf } from "../../lib/chains/networks";
import { ensureStandInContracts, fundLocalAccount, startAnvil, type Anvil, type StandInKey } from "../../lib/devchain";

const usdcAbi = parseAbi([
  "function name() view returns (string)",
  "function version() view returns (string)",
  "function owner() view returns (address)",
  "function balanceOf(address account) view returns (uint256)",
  "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature)",
]);

const cases: { key: StandInKey; name: string; otherName: string }[] = [
  { key: "base-sepolia", name: "USDC", otherName: "USD Coin" },
  { key: "base", name: "USD Coin", otherName: "USDC" },
];

describe.each(cases)("the $key stand-in", ({ key, name, otherName }) => {
  const network = NETWORKS[key];
  let anvil: Anvil;

  beforeAll(async () => {
    anvil = await startAnvil({ port: 0, silent: true, chainId: network.chainId });
    await ensureStandInContracts(anvil.rpcUrl, key);
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  const clients = () => {
    const chain = viemChainOf(network, anvil.rpcUrl);
    return { chain, publicClient: createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 50 }) };
  };

  it(`has the network's chain id and USDC at its address, named "${name}" version "2", minted by anvil account #0`, async () => {
    const { publicClient } = clients();
    expect(await publicClient.getChainId()).toBe(network.chainId);
    const read = (functionName: "name" | "version" | "owner") =>
      publicClient.readContract({ address: network.usdc.address, abi: usdcAbi, functionName });
    expect(await read("name")).toBe(name);
    expect(network.usdc.eip712Name).toBe(name);
    expect(await read("version")).toBe("2");
    expect(await read("owner")).toBe(deploymentJson.owner);
    for (const address of [deploymentJson.multicall3, deploymentJson.batchSettlement, deploymentJson.erc3009DepositCollector]) {
      expect(await publicClient.getCode({ address: address as Address })).toMatch(/^0x[0-9a-f]{100,}$/);
    }
  });

  it("accepts an EIP-3009 transfer signed with its own domain, and refuses one signed with the other network's name", async () => {
    const { chain, publicClient } = clients();
    const payer = privateKeyToAccount(generatePrivateKey());
    const payee = privateKeyToAccount(generatePrivateKey()).address;
    const funding = await fundLocalAccount(anvil.rpcUrl, payer.address, { usdc: 1_000000n, eth: parseEther("0.01") }, {
      chainId: network.chainId,
      usdc: network.usdc.address,
    });
    expect(funding.usdcTx).not.toBeNull();

    const now = BigInt(Math.floor(Date.now() / 1000));
    const sign = (domainName: string) => {
      const message = { from: payer.address, to: payee, value: 250_000n, validAfter: 0n, validBefore: now + 600n, nonce: toHex(randomBytes(32)) };
      const domain = { name: domainName, version: "2", chainId: network.chainId, verifyingContract: network.usdc.address };
      return payer.signTypedData({ domain, types: authorizationTypes, primaryType: "TransferWithAuthorization", message }).then((signature) => ({ message, signature }));
    };
    const submit = async ({ message, signature }: Awaited<ReturnType<typeof sign>>) => {
      const wallet = createWalletClient({ account: payer, chain, transport: http(anvil.rpcUrl), pollingInterval: 50 });
      const args = [message.from, message.to, message.value, message.validAfter, message.validBefore, message.nonce, signature] as const;
      await publicClient.simulateContract({ account: payer, address: network.usdc.address, abi: usdcAbi, functionName: "transferWithAuthorization", args });
      const hash = await wallet.writeContract({ address: network.usdc.address, abi: usdcAbi, functionName: "transferWithAuthorization", args });
      return publicClient.waitForTransactionReceipt({ hash });
    };

    await expect(submit(await sign(otherName))).rejects.toThrow(/invalid signature/);
    const receipt = await submit(await sign(name));
    expect(receipt.status).toBe("success");
    const balanceOf = (account: Address) =>
      publicClient.readContract({ address: network.usdc.address, abi: usdcAbi, functionName: "balanceOf", args: [account] });
    expect(await balanceOf(payee)).toBe(250_000n);
    expect(await balanceOf(payer.address)).toBe(750_000n);
  });

  it("is left as it is by a second run (a restart with saved state keeps balances)", async () => {
    const { publicClient } = clients();
    const holder = privateKeyToAccount(generatePrivateKey()).address;
    await fundLocalAccount(anvil.rpcUrl, holder, { usdc: 5n, eth: 0n }, { chainId: network.chainId, usdc: network.usdc.address });
    await ensureStandInContracts(anvil.rpcUrl, key);
    expect(await publicClient.readContract({ address: network.usdc.address, abi: usdcAbi, functionName: "balanceOf", args: [holder] })).toBe(5n);
  });
});

describe("a chain that is not a stand-in", () => {
  let anvil: Anvil;
  beforeAll(async () => {
    anvil = await startAnvil({ port: 0, silent: true });
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  it("is refused by its chain id", async () => {
    await expect(ensureStandInContracts(anvil.rpcUrl, "base-sepolia")).rejects.toThrow(/has id 31337; a Base Sepolia stand-in needs 84532/);
  });
});
