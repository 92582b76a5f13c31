/**
 * Batched exact settlements on our local facilitator (lib/x402/settlement/batch.ts), on anvil: payments settled at
 * once go out as one Multicall3 transaction, each caller gets its own outcome, a failing call fails only its own
 * payment, and the browser's receipt check finds each payment's own transfer in the shared transaction.
 */
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { createPublicClient, createWalletClient, custom, http, parseAbi, parseSignature, publicActions, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { describe, expect, it } from "vitest";
import { NETWORKS } from "@/lib/chains/networks";
import { createLocalFacilitatorWithBatchers } from "@/lib/x402/facilitator/local";
import { FacilitatorSender, noLock } from "@/lib/x402/facilitator/sender";
import { MULTICALL3, SettlementBatcher } from "@/lib/x402/settlement/batch";
import { checkSettlement } from "@/lib/x402/payer/receipt-check";
import type { SignedAuthorization } from "@/lib/x402/shared/receipt";
import { fixture, setEnv, testChainFixture } from "../../support/fixtures";
import { marketRequirements, fundedPayer, usdcBalance, x402ClientFor } from "../support";

const chain = testChainFixture();
fixture(async () => setEnv({ DATA_DIR: "memory://", SETTLEMENT_BATCH_MAX: "50", SETTLEMENT_BATCH_WAIT_MS: "100" }), (restore) => restore());

const requirements = marketRequirements;

async function payload(payer: Awaited<ReturnType<typeof fundedPayer>>, req: PaymentRequirements): Promise<PaymentPayload> {
  return x402ClientFor(payer).createPaymentPayload({ x402Version: 2, resource: { url: "http://test/resource" }, accepts: [req] });
}

function signedAuthorization(p: PaymentPayload, req: PaymentRequirements): SignedAuthorization {
  const auth = (p.payload as { authorization: { from: string; to: string; value: string; nonce: string; validBefore: string } }).authorization;
  return { chainId: NETWORKS.local.chainId, asset: req.asset, payer: auth.from, payTo: auth.to, value: auth.value, nonce: auth.nonce, validBefore: auth.validBefore };
}

describe("batched exact settlement", () => {
  it("settles payments made at once in one Multicall3 transaction; a call that fails fails only its own payment", async () => {
    const { facilitator, batchers } = createLocalFacilitatorWithBatchers();
    const batcher = batchers.get(NETWORKS.local.caip2)!;
    const req = requirements();
    const price = BigInt(req.amount);
    const payers = await Promise.all(Array.from({ length: 48 }, () => fundedPayer(chain.rpcUrl, "1")));
    const payloads = await Promise.all(payers.map((p) => payload(p, req)));
    // A payer holding one price signs two payments: each alone is valid (verification passes both), but only one
    // of them can move money; in the batch the other fails, by the token's reason, and nothing else does.
    const poor = await fundedPayer(chain.rpcUrl, "0");
    const { fundLocalAccount } = await import("@/lib/devchain");
    await fundLocalAccount(chain.rpcUrl, poor.address, { usdc: price, eth: 0n });
    const poorPayloads = [await payload(poor, req), await payload(poor, req)];
    const before = await usdcBalance(chain.rpcUrl, req.payTo as Address);
    const sentBefore = batcher.sent.length;

    const all = [...payloads, ...poorPayloads];
    const results = await Promise.all(all.map((p) => facilitator.settle(p, req)));

    const good = results.slice(0, payloads.length);
    expect(good.map((r) => r.errorReason ?? "ok")).toEqual(Array(payloads.length).fill("ok"));
    const poorResults = results.slice(payloads.length);
    expect(poorResults.filter((r) => r.success)).toHaveLength(1);
    const refused = poorResults.find((r) => !r.success)!;
    expect(refused.errorReason).toBe("invalid_exact_evm_insufficient_balance");
    expect(refused.errorMessage).toMatch(/exceeds balance/);

    // One transaction for all that settled, one receipt.
    const batches = batcher.sent.slice(sentBefore);
    expect(batches).toEqual([{ hash: expect.stringMatching(/^0x[0-9a-f]{64}$/), calls: payloads.length + 1 }]);
    const hash = batches[0]!.hash;
    expect(new Set(results.filter((r) => r.success).map((r) => r.transaction))).toEqual(new Set([hash]));
    expect(await usdcBalance(chain.rpcUrl, req.payTo as Address)).toBe(before + BigInt(payloads.length + 1) * price);
    expect(await usdcBalance(chain.rpcUrl, poor.address)).toBe(0n);

    // The browser's check finds each payment's own authorization and transfer in the shared transaction; the
    // refused payment's authorization is not in it.
    const client = createPublicClient({ transport: http(chain.rpcUrl) });
    for (let i = 0; i < all.length; i++) {
      const check = await checkSettlement(client, signedAuthorization(all[i]!, req), hash);
      expect(check.ok).toBe(results[i]!.success);
    }

    const receipt = await client.getTransactionReceipt({ hash: hash as Hex });
    console.log(`[batch] ${payloads.length + 1} settlements in one transaction: ${receipt.gasUsed} gas, ${receipt.gasUsed / BigInt(payloads.length + 1)} per payment`);
  });

  it("flushes a lone payment after the wait, and a full batch at once", async () => {
    const restore = setEnv({ SETTLEMENT_BATCH_MAX: "4" });
    try {
      const { facilitator, batchers } = createLocalFacilitatorWithBatchers();
      const batcher = batchers.get(NETWORKS.local.caip2)!;
      const req = requirements();
      const payers = await Promise.all(Array.from({ length: 9 }, () => fundedPayer(chain.rpcUrl, "1")));
      const payloads = await Promise.all(payers.map((p) => payload(p, req)));
      const results = await Promise.all(payloads.map((p) => facilitator.settle(p, req)));
      expect(results.map((r) => r.errorReason ?? "ok")).toEqual(Array(9).fill("ok"));
      expect(batcher.sent.map((b) => b.calls).sort()).toEqual([1, 4, 4]);
    } finally {
      restore();
    }
  });

  it("sends each settlement alone when SETTLEMENT_BATCH_MAX is 1", async () => {
    const restore = setEnv({ SETTLEMENT_BATCH_MAX: "1" });
    try {
      const { facilitator, batchers } = createLocalFacilitatorWithBatchers();
      expect(batchers.get(NETWORKS.local.caip2)).toBeNull();
      const req = requirements();
      const payers = await Promise.all(Array.from({ length: 3 }, () => fundedPayer(chain.rpcUrl, "1")));
      const results = await Promise.all((await Promise.all(payers.map((p) => payload(p, req)))).map((p) => facilitator.settle(p, req)));
      expect(results.every((r) => r.success)).toBe(true);
      expect(new Set(results.map((r) => r.transaction)).size).toBe(3);
    } finally {
      restore();
    }
  });

  it("sends a lone payment to its token, not through Multicall3, and simulates only when a call would fail", async () => {
    const req = requirements();
    const { batcher, calls } = countedBatcher(4);
    const write = (p: PaymentPayload) => batcher.submit(writeArgs(p, req));
    const client = createPublicClient({ transport: http(chain.rpcUrl) });
    const multicallCalls = () => calls.filter((c) => c.method === "eth_call" && c.to === MULTICALL3.toLowerCase()).length;

    const lone = await payload(await fundedPayer(chain.rpcUrl, "1"), req);
    const hash = await write(lone);
    const tx = await client.getTransaction({ hash });
    expect(tx.to).toBe((req.asset as string).toLowerCase());
    // The estimate was the simulation: no aggregate3 call, one estimate.
    expect(multicallCalls()).toBe(0);
    expect(calls.filter((c) => c.method === "eth_estimateGas")).toHaveLength(1);

    // The same authorization again, with a fresh one: the estimate fails, the simulation names the used one, and
    // the fresh one goes out alone, to its token.
    const fresh = await payload(await fundedPayer(chain.rpcUrl, "1"), req);
    const [again, other] = await Promise.allSettled([write(lone), write(fresh)]);
    expect(again.status === "rejected" && String(again.reason)).toMatch(/authorization is used or canceled/);
    expect(other.status).toBe("fulfilled");
    expect(multicallCalls()).toBe(1);
    expect((await client.getTransaction({ hash: (other as PromiseFulfilledResult<Hex>).value })).to).toBe((req.asset as string).toLowerCase());
  });
});

const tokenAbi = parseAbi(["function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)"]);

/** What the SDK's settle asks its signer to write for a payload (v, r, s form). */
function writeArgs(p: PaymentPayload, req: PaymentRequirements) {
  const { authorization: a, signature } = p.payload as { authorization: Record<string, string>; signature: Hex };
  const { v, yParity, r, s } = parseSignature(signature);
  return {
    address: req.asset as Address,
    abi: tokenAbi,
    functionName: "transferWithAuthorization",
    args: [a.from, a.to, BigInt(a.value!), BigInt(a.validAfter!), BigInt(a.validBefore!), a.nonce, Number(v ?? BigInt(yParity + 27)), r, s] as const,
  };
}

/** A batcher on the local facilitator's key whose client counts what it asks the chain. */
function countedBatcher(maxSize: number, confirmationTimeoutMs = 10_000, failing: (method: string) => boolean = () => false) {
  const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  const base = http(chain.rpcUrl)({ chain: foundry });
  const calls: { method: string; to?: string }[] = [];
  const transport = custom({
    async request({ method, params }) {
      calls.push({ method, to: method === "eth_call" ? String((params as [{ to?: string }])[0].to).toLowerCase() : undefined });
      if (failing(method)) throw new Error(`${method} failed (test)`);
      return base.request({ method, params });
    },
  });
  const client = createWalletClient({ account, chain: foundry, transport, pollingInterval: 25 }).extend(publicActions);
  const sender = new FacilitatorSender(client, account, noLock);
  const batcher = new SettlementBatcher({
    client,
    account: account.address,
    send: (args) => sender.sendTransaction(args),
    maxSize,
    maxWaitMs: 50,
    confirmationTimeoutMs,
  });
  return { batcher, calls, client };
}

describe("a batch's receipt wait", () => {
  it("asks for the receipt only, however long the block takes (no block-number watch, no transaction look-ups)", async () => {
    const req = requirements();
    const { batcher, client, calls } = countedBatcher(4);
    const p = await payload(await fundedPayer(chain.rpcUrl, "1"), req);
    // The chain mines when this test says: the receipt is not there at the first ask.
    await client.request({ method: "evm_setAutomine" as "eth_chainId", params: [false] as unknown as undefined });
    let outcome: Promise<Hex>;
    try {
      const sent = batcher.sent.length;
      outcome = batcher.submit(writeArgs(p, req));
      while (batcher.sent.length === sent) await new Promise((resolve) => setImmediate(resolve));
      const from = calls.length;
      while (!calls.slice(from).some((c) => c.method === "eth_getTransactionReceipt")) await new Promise((resolve) => setImmediate(resolve));
      await client.request({ method: "evm_mine" as "eth_chainId" });
      await outcome;
      const waited = calls.slice(from).map((c) => c.method);
      expect(waited.filter((m) => m !== "eth_getTransactionReceipt" && m !== "evm_mine")).toEqual([]);
    } finally {
      await client.request({ method: "evm_setAutomine" as "eth_chainId", params: [true] as unknown as undefined });
    }
  });

  it("ends at the first RPC failure with its error, as viem's did, not at the timeout", async () => {
    const req = requirements();
    const { batcher } = countedBatcher(4, 10 * 60_000, (method) => method === "eth_getTransactionReceipt");
    const p = await payload(await fundedPayer(chain.rpcUrl, "1"), req);
    await expect(batcher.submit(writeArgs(p, req))).rejects.toThrow(/eth_getTransactionReceipt failed \(test\)/);
  });

  it("fails its calls with viem's timeout when the receipt does not come within confirmationTimeoutMs; mined later, it moved the money once", async () => {
    const req = requirements();
    const { batcher, client } = countedBatcher(4, 300);
    const p = await payload(await fundedPayer(chain.rpcUrl, "1"), req);
    const from = (p.payload as { authorization: { from: Address } }).authorization.from;
    // The chain stops mining: the batch is sent and stays pending.
    await client.request({ method: "evm_setAutomine" as "eth_chainId", params: [false] as unknown as undefined });
    try {
      const outcome = batcher.submit(writeArgs(p, req));
      await expect(outcome).rejects.toThrow(/Timed out while waiting for transaction/);
    } finally {
      await client.request({ method: "evm_setAutomine" as "eth_chainId", params: [true] as unknown as undefined });
    }
    // Mined later, it moved the payment once.
    await client.request({ method: "evm_mine" as "eth_chainId" });
    await client.waitForTransactionReceipt({ hash: batcher.sent.at(-1)!.hash });
    expect(await usdcBalance(chain.rpcUrl, from)).toBe(10n ** 6n - BigInt(req.amount));
  });
});
