/**
 * The browser's check of a tab's deposit transaction (lib/x402/payer/tab-deposit-check.ts) and the receipt built on
 * it (components/chat/tab-stream.ts), on a real anvil with a real deposit: a tab opened through the real paid route.
 * The transaction the agent names is called the deposit only if the chain shows this channel credited with the
 * deposit's amount from this payer.
 */
import { toClientEvmSigner } from "@x402/evm";
import { createPublicClient, createWalletClient, erc20Abi, http, parseEther, type Hex } from "viem";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import { beforeAll, describe, expect, it } from "vitest";
import { checkChargeDeposit, tabReceipt } from "@/components/chat/tab-stream";
import { getAgent } from "@/lib/agents/registry";
import { NETWORKS, viemChainOf } from "@/lib/chains/networks";
import { fundLocalAccount } from "@/lib/devchain";
import { DEFAULT_POLICY } from "@/lib/x402/payer/policy";
import { TabClient, type TabCharge, type TabWallet } from "@/lib/x402/payer/tab-client";
import { checkTabDeposit } from "@/lib/x402/payer/tab-deposit-check";
import { forgetSessionKeys } from "@/lib/x402/payer/tab-session-key";
import { tabStorage } from "@/lib/x402/payer/tab-store";
import type { Receipt } from "@/lib/x402/shared/receipt";
import { MemoryStorage } from "../support/memory-storage";
import { chatBody, fundedPayer, paidStackFixture } from "../x402/support";

const stack = paidStackFixture();
const LOCAL = NETWORKS.local;
const GUIDE_AGENT = "00000000-0000-0000-0000-000000000003";

let payer: Awaited<ReturnType<typeof fundedPayer>>;
let claim: Receipt;
let charge: TabCharge;
const reader = () => createPublicClient({ transport: http(stack.anvil.rpcUrl) });

beforeAll(async () => {
  forgetSessionKeys();
  payer = await fundedPayer(stack.anvil.rpcUrl);
  const charges: TabCharge[] = [];
  const tab = new TabClient({
    network: LOCAL,
    wallet: toClientEvmSigner(payer, reader()) as TabWallet,
    storage: tabStorage(LOCAL.chainId, new MemoryStorage()),
    policy: () => ({ policy: DEFAULT_POLICY, spent: { session: 0n, today: 0n } }),
    onCharge: (c) => charges.push(c),
  });
  const res = await tab.fetch(`${stack.url}/api/x402/${GUIDE_AGENT}/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: chatBody("What is x402?"),
  });
  expect(res.status).toBe(200);
  claim = ((await res.json()) as { payment: Receipt }).payment;
  charge = charges[0]!;
  expect(charge.deposit).toBeGreaterThan(0n);
  expect(claim.tab?.depositTransaction).toMatch(/^0x[0-9a-f]{64}$/);
});

describe("checkTabDeposit", () => {
  const of = (over: Partial<Parameters<typeof checkTabDeposit>[1]> = {}) =>
    checkTabDeposit(reader(), { transaction: claim.tab!.depositTransaction, channelId: charge.channelId, payer: payer.address, token: LOCAL.usdc.address, amount: charge.deposit!, ...over });

  it("accepts the deposit the tab made: this channel credited with its amount from this payer", async () => {
    expect(await of()).toEqual({ ok: true, transaction: claim.tab!.depositTransaction });
  });

  it("refuses it for another amount, another channel or another payer", async () => {
    expect(await of({ amount: charge.deposit! + 1n })).toMatchObject({ ok: false, reason: expect.stringContaining("did not credit this tab") });
    expect(await of({ channelId: `0x${"ab".repeat(32)}` })).toMatchObject({ ok: false, reason: expect.stringContaining("did not credit this tab") });
    expect(await of({ payer: privateKeyToAccount(generatePrivateKey()).address })).toMatchObject({ ok: false, reason: expect.stringContaining("did not move the deposit from your wallet") });
  });

  it("refuses a transaction that is no deposit (a plain USDC transfer of the same amount from the payer), one not on chain, and no hash", async () => {
    await fundLocalAccount(stack.anvil.rpcUrl, payer.address, { usdc: 0n, eth: parseEther("0.01") });
    const chain = viemChainOf(LOCAL, stack.anvil.rpcUrl);
    const wallet = createWalletClient({ account: payer, chain, transport: http(stack.anvil.rpcUrl) });
    const transfer = await wallet.writeContract({ address: LOCAL.usdc.address, abi: erc20Abi, functionName: "transfer", args: [getAgent(GUIDE_AGENT)!.payTo as Hex, charge.deposit!] });
    await createPublicClient({ chain, transport: http(stack.anvil.rpcUrl), pollingInterval: 50 }).waitForTransactionReceipt({ hash: transfer });
    expect(await of({ transaction: transfer })).toMatchObject({ ok: false, reason: expect.stringContaining("did not credit this tab") });
    expect(await of({ transaction: `0x${"12".repeat(32)}` })).toMatchObject({ ok: false, reason: expect.stringContaining("not on chain") });
    expect(await of({ transaction: "0x1234" })).toMatchObject({ ok: false, reason: expect.stringContaining("not a transaction hash") });
    expect(await of({ transaction: undefined })).toMatchObject({ ok: false });
  });
});

describe("a tab's first receipt", () => {
  it("names the deposit only once the chain shows it", async () => {
    const deposit = await checkChargeDeposit(reader(), claim, charge, LOCAL);
    const receipt = tabReceipt(claim, charge, LOCAL, deposit);
    expect(receipt).toMatchObject({ transaction: claim.tab!.depositTransaction, payer: payer.address });
    expect(receipt.tab).toMatchObject({ depositTransaction: claim.tab!.depositTransaction });
    expect(receipt.tab!.depositProblem).toBeUndefined();
    expect(receipt.claimedTransaction).toBeUndefined();
  });

  it("a deposit transaction that does not check out is kept as the agent's claim, with why, and never called the deposit", async () => {
    const forged = { ...claim, tab: { ...claim.tab!, depositTransaction: `0x${"12".repeat(32)}` } };
    const receipt = tabReceipt(forged, charge, LOCAL, await checkChargeDeposit(reader(), forged, charge, LOCAL));
    expect(receipt.transaction).toBe("");
    expect(receipt.explorerUrl).toBeNull();
    expect(receipt.claimedTransaction).toBe(`0x${"12".repeat(32)}`);
    expect(receipt.tab!.depositTransaction).toBeUndefined();
    expect(receipt.tab!.depositProblem).toContain("not on chain");
  });
});
