/**
 * The facilitator's sender (lib/x402/facilitator/sender.ts) on anvil: what a transaction costs in round trips,
 * and that the nonce it keeps and the fees it caches never leave a transaction unsent.
 */
import { createWalletClient, custom, http, publicActions, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { describe, expect, it } from "vitest";
import { fundLocalAccount } from "@/lib/devchain";
import { FacilitatorSender, isFeeTooLow, noLock } from "@/lib/x402/facilitator/sender";
import { testChainFixture } from "../support/fixtures";

const chain = testChainFixture();

/** A sender on a fresh funded key, over a transport that counts the methods it is asked for. */
async function countedSender(opts: { beforeSend?: (account: ReturnType<typeof privateKeyToAccount>) => Promise<void> } = {}) {
  const key = generatePrivateKey();
  const account = privateKeyToAccount(key);
  await fundLocalAccount(chain.rpcUrl, account.address, { usdc: 0n, eth: 10n ** 18n });
  const base = http(chain.rpcUrl)({ chain: foundry });
  const calls: string[] = [];
  const transport = custom({
    async request({ method, params }) {
      calls.push(method);
      if (method === "eth_sendRawTransaction") await opts.beforeSend?.(account);
      return base.request({ method, params });
    },
  });
  const client = createWalletClient({ account, chain: foundry, transport, pollingInterval: 25 }).extend(publicActions);
  return { account, client, calls, sender: new FacilitatorSender(client, account, noLock) };
}

describe("the facilitator's sender, as the key's only sender", () => {
  it("sends with one nonce read in all and no chain id, fill or estimate round trips when given the gas", async () => {
    const { account, client, calls, sender } = await countedSender();
    const hashes: Hex[] = [];
    for (let i = 0; i < 5; i++) hashes.push(await sender.sendTransaction({ to: account.address, data: "0x", gas: 21_000n }));
    const receipts = await Promise.all(hashes.map((hash) => client.waitForTransactionReceipt({ hash })));
    expect(receipts.map((r) => r.status)).toEqual(Array(5).fill("success"));
    const counted = (method: string) => calls.filter((m) => m === method).length;
    expect(counted("eth_sendRawTransaction")).toBe(5);
    expect(counted("eth_getTransactionCount")).toBe(1);
    for (const method of ["eth_chainId", "eth_fillTransaction", "eth_estimateGas"]) expect(counted(method)).toBe(0);
    // Fees: read once, within FEE_TTL_MS of the first send.
    expect(counted("eth_getBlockByNumber")).toBe(1);
  });

  it("reads the nonce again when another sender took the one it kept, and sends with the next", async () => {
    let outsiderNonce: number | undefined;
    let armed = false;
    const { account, client, sender } = await countedSender({
      // Just before our second transaction reaches the node, the key sends one outside this sender.
      beforeSend: async (account) => {
        if (!armed || outsiderNonce !== undefined) return;
        const outsider = createWalletClient({ account, chain: foundry, transport: http(chain.rpcUrl) }).extend(publicActions);
        outsiderNonce = await outsider.getTransactionCount({ address: account.address, blockTag: "pending" });
        await outsider.waitForTransactionReceipt({ hash: await outsider.sendTransaction({ to: account.address, value: 0n, nonce: outsiderNonce }) });
      },
    });
    await client.waitForTransactionReceipt({ hash: await sender.sendTransaction({ to: account.address, data: "0x", gas: 21_000n }) });
    armed = true;
    const hash = await sender.sendTransaction({ to: account.address, data: "0x", gas: 21_000n });
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    expect((await client.getTransaction({ hash })).nonce).toBe(outsiderNonce! + 1);
  });

  it("reads the fees again when the node refuses the cached ones as below the base fee", async () => {
    const { account, client, sender } = await countedSender();
    await client.waitForTransactionReceipt({ hash: await sender.sendTransaction({ to: account.address, data: "0x", gas: 21_000n }) });
    // The base fee leaps past what the cached fees allow (far more than blocks can raise it within FEE_TTL_MS).
    const block = await client.getBlock();
    const leap = block.baseFeePerGas! * 1_000n;
    await client.request({ method: "anvil_setNextBlockBaseFeePerGas" as "eth_chainId", params: [`0x${leap.toString(16)}`] as unknown as undefined });
    await client.request({ method: "evm_mine" as "eth_chainId" });
    const hash = await sender.sendTransaction({ to: account.address, data: "0x", gas: 21_000n });
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
  });

  it("tells fees below the base fee from a nonce already taken", () => {
    const wrapped = (message: string) => new Error("Transaction failed", { cause: new Error(message) });
    expect(isFeeTooLow(wrapped("max fee per gas less than block base fee: address 0x1, maxFeePerGas: 1, baseFee: 2"))).toBe(true);
    expect(isFeeTooLow(wrapped("transaction underpriced"))).toBe(true);
    expect(isFeeTooLow(wrapped("replacement transaction underpriced"))).toBe(false);
    expect(isFeeTooLow(wrapped("nonce too low"))).toBe(false);
  });
});
