/**
 * POST /api/rpc/[chainId]/send against a real anvil with our USDC: besides the tab contract, it broadcasts the
 * local wallet's USDC `transfer` (how a pay-then-prove agent is paid); another call of the token, or a transfer
 * call to another contract, is still refused before the chain sees it.
 */
import { createPublicClient, encodeFunctionData, erc20Abi, http, parseEther, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { POST } from "@/app/api/rpc/[chainId]/send/route";
import { NETWORKS } from "@/lib/chains/networks";
import { fundLocalAccount } from "@/lib/devchain";
import { testChainFixture } from "../support/fixtures";

const chain = testChainFixture();
const USDC = NETWORKS.local.usdc.address;

async function send(transaction: Hex) {
  const res = await POST(
    new Request("http://app.test/api/rpc/31337/send", { method: "POST", body: JSON.stringify({ transaction }), headers: { "content-type": "application/json" } }),
    { params: Promise.resolve({ chainId: "31337" }) },
  );
  return { status: res.status, body: (await res.json()) as { transaction?: Hex; error?: { code: string } } };
}

describe("the send route and a pay-by-transfer payment", () => {
  it("broadcasts a signed USDC transfer; refuses another USDC call and a transfer call to another contract", async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const payTo = privateKeyToAccount(generatePrivateKey()).address;
    await fundLocalAccount(chain.rpcUrl, account.address, { usdc: 1_000_000n, eth: parseEther("1") });
    const client = createPublicClient({ transport: http(chain.rpcUrl) });
    const sign = (to: Address, data: Hex) =>
      account.signTransaction({ to, data, chainId: 31337, nonce: 0, gas: 100_000n, maxFeePerGas: parseEther("0.00000001"), maxPriorityFeePerGas: 1n, type: "eip1559" });
    const transfer = encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [payTo, 20_000n] });

    const approve = encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [payTo, 20_000n] });
    expect(await send(await sign(USDC, approve))).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    // The transfer call, but to a contract that is not this network's USDC.
    expect(await send(await sign(chain.deployment.priceFeed, transfer))).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    expect(await client.getTransactionCount({ address: account.address })).toBe(0);

    const sent = await send(await sign(USDC, transfer));
    expect(sent.status).toBe(200);
    const receipt = await client.waitForTransactionReceipt({ hash: sent.body.transaction!, pollingInterval: 50 });
    expect(receipt.status).toBe("success");
    expect(receipt.to?.toLowerCase()).toBe(USDC.toLowerCase());
    expect(await client.readContract({ address: USDC, abi: erc20Abi, functionName: "balanceOf", args: [payTo] })).toBe(20_000n);
  });
});
