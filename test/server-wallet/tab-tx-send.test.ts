/**
 * POST /api/rpc/[chainId]/send against a real anvil: it broadcasts a transaction the browser's wallet signed itself,
 * only to the tab contract and only for this chain; anything else is refused before the chain sees it.
 */
import { BATCH_SETTLEMENT_ADDRESS } from "@x402/evm";
import { createPublicClient, http, parseEther, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { POST } from "@/app/api/rpc/[chainId]/send/route";
import { fundLocalAccount } from "@/lib/devchain";
import { testChainFixture } from "../support/fixtures";

const anvil = testChainFixture({ contracts: false });

async function send(transaction: unknown, chainId = "31337", headers: Record<string, string> = {}) {
  const res = await POST(
    new Request(`http://app.test/api/rpc/${chainId}/send`, { method: "POST", body: JSON.stringify({ transaction }), headers: { "content-type": "application/json", ...headers } }),
    { params: Promise.resolve({ chainId }) },
  );
  return { status: res.status, body: (await res.json()) as { transaction?: Hex; error?: { code: string } } };
}

describe("the send route of a wallet's own tab transactions", () => {
  it("sends a signed transaction to the tab contract, and refuses one to anything else, for another chain, or unsigned", async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    await fundLocalAccount(anvil.rpcUrl, account.address, { usdc: 0n, eth: parseEther("1") });
    const client = createPublicClient({ transport: http(anvil.rpcUrl) });
    const tx = async (to: Hex, chainId = 31337, nonce = 0) =>
      account.signTransaction({ to, chainId, nonce, gas: 100_000n, maxFeePerGas: parseEther("0.00000001"), maxPriorityFeePerGas: 1n, type: "eip1559" });

    const elsewhere = await send(await tx(account.address));
    expect(elsewhere).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    expect(await send(await tx(BATCH_SETTLEMENT_ADDRESS, 1))).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    expect(await send("0x1234")).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    expect(await send(await tx(BATCH_SETTLEMENT_ADDRESS), "31337", { "sec-fetch-site": "cross-site" })).toMatchObject({ status: 403 });
    expect(await client.getTransactionCount({ address: account.address })).toBe(0);

    const sent = await send(await tx(BATCH_SETTLEMENT_ADDRESS));
    expect(sent.status).toBe(200);
    const receipt = await client.waitForTransactionReceipt({ hash: sent.body.transaction!, pollingInterval: 50 });
    expect(receipt.from.toLowerCase()).toBe(account.address.toLowerCase());
    expect(receipt.to?.toLowerCase()).toBe(BATCH_SETTLEMENT_ADDRESS.toLowerCase());
  });
});
