import { createPublicClient, erc20Abi, http, parseUnits, type Address, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { beforeEach, describe, expect, it } from "vitest";
import { NETWORKS } from "@/lib/chains/networks";
import { fundLocalAccount } from "@/lib/devchain";
import { DEFAULT_POLICY } from "@/lib/x402/payer/policy";
import { PaymentStopped, type ApprovalRequest } from "@/lib/x402/payer/paying-fetch";
import {
  closeTransfer,
  createTransferPayingFetch,
  localTransferWallet,
  openTransfer,
  proveTransfer,
  readTransfers,
  transferChain,
  type TransferEntry,
} from "@/lib/x402/payer/pay-by-transfer";
import { startAtelierDouble } from "../../e2e/support/atelier-double";
import { fixture, testChainFixture } from "../support/fixtures";
import { MemoryStorage } from "../support/memory-storage";

const network = NETWORKS.local;
const USDC = network.usdc.address;
const PRICE = 20_000n; // 0.02 USDC
const SELLER = privateKeyToAccount(generatePrivateKey()).address;
const chain = testChainFixture();

/** The Atelier-style test double (e2e/support/atelier-double.ts), serving SELLER's price; its `state` is what it saw. */
const atelier = fixture(() => startAtelierDouble({ rpcUrl: chain.rpcUrl, payTo: SELLER, price: PRICE }), (double) => double.close());

let reader: PublicClient;
let storage: MemoryStorage;
let approvals: ApprovalRequest[];
let events: string[];

beforeEach(() => {
  reader = createPublicClient({ transport: http(chain.rpcUrl) }) as PublicClient;
  storage = new MemoryStorage();
  approvals = [];
  events = [];
  atelier().state.quote = {};
  atelier().state.failProofs = 0;
});

async function payer(eth = parseUnits("1", 18)): Promise<PrivateKeyAccount> {
  const account = privateKeyToAccount(generatePrivateKey());
  await fundLocalAccount(chain.rpcUrl, account.address, { usdc: parseUnits("1", 6), eth });
  return account;
}

const usdcOf = (address: Address) => reader.readContract({ address: USDC, abi: erc20Abi, functionName: "balanceOf", args: [address] });

function payingFetch(account: PrivateKeyAccount, over: { approve?: boolean; shown?: bigint | null; spent?: bigint } = {}) {
  const send = async (serialized: Hex) => {
    await reader.request({ method: "eth_sendRawTransaction", params: [serialized] });
  };
  return createTransferPayingFetch({
    network,
    wallet: () => localTransferWallet(account, reader, send),
    chain: transferChain(reader, network),
    shownPrice: () => (over.shown === null ? null : { network: network.caip2, asset: USDC, payTo: SELLER, amount: over.shown ?? PRICE }),
    policy: () => ({ policy: DEFAULT_POLICY, spent: { session: over.spent ?? 0n, today: over.spent ?? 0n } }),
    approve: async (request) => {
      approvals.push(request);
      return over.approve ?? false;
    },
    onSigned: async (entry) => {
      // Journaled before it is sent: the chain does not know the transaction yet.
      const known = await reader.getTransaction({ hash: entry.hash }).then(() => true, () => false);
      events.push(`signed:${known}`);
      openTransfer(storage, entry);
    },
    onTransferred: () => events.push("transferred"),
    onProven: (entry) => {
      events.push("proven");
      closeTransfer(storage, entry.chainId, entry.hash);
    },
    context: () => ({ agentName: "Atelier double", conversationId: "c1", messageId: "m1" }),
  });
}

const brief = (text = "a fox") => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ brief: text }) });

describe("paying an Atelier-style agent by transfer, then its hash", () => {
  it("sends a USDC transfer to payTo, waits for it, and asks again with X-PAYMENT and X-Payment-Network", async () => {
    const account = await payer();
    const [before, sellerBefore] = await Promise.all([usdcOf(account.address), usdcOf(SELLER)]);
    const pay = payingFetch(account);
    const res = await pay(`${atelier().url}/api/x402/pay?service_id=logo`, brief());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, data: { reply: "Logo for: a fox" } });
    const entry = pay.last()!;
    expect(atelier().state.proofs.at(-1)).toEqual({ hash: entry.hash, network: "eip155:31337" });
    expect(await usdcOf(account.address)).toBe(before - PRICE);
    expect(await usdcOf(SELLER)).toBe(sellerBefore + PRICE);
    expect(entry).toMatchObject({ payer: account.address, payTo: SELLER, amount: PRICE.toString(), mined: "success", conversationId: "c1" });
    // Journaled before the chain knew it, closed once proven; no question asked for a price as shown.
    expect(events).toEqual(["signed:false", "transferred", "proven"]);
    expect(readTransfers(storage, network.chainId)).toEqual([]);
    expect(approvals).toEqual([]);
  });

  it("says clearly that gas is paid in ETH and there is none, before signing anything", async () => {
    const account = await payer(0n);
    const err = await payingFetch(account)(`${atelier().url}/api/x402/pay`, brief()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentStopped);
    expect((err as PaymentStopped).reason).toBe("insufficient_gas");
    expect((err as PaymentStopped).message).toMatch(/paid on chain: 0\.02 USDC \+ gas in ETH, and your wallet has no ETH/);
    expect(events).toEqual([]);
    expect(await reader.getTransactionCount({ address: account.address })).toBe(0);
  });

  it("a Solana quote is explained and never paid", async () => {
    atelier().state.quote = { network: "solana-mainnet", payTo: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin" };
    const account = await payer();
    const err = (await payingFetch(account)(`${atelier().url}/api/x402/pay`, brief()).catch((e: unknown) => e)) as PaymentStopped;
    expect(err.reason).toBe("not_payable");
    expect(err.message).toMatch(/Solana is not supported yet/);
    expect(events).toEqual([]);
  });

  it("the policy and the quote check apply: refused, nothing is signed; approved, it pays", async () => {
    const account = await payer();
    const overBudget = (await payingFetch(account, { spent: DEFAULT_POLICY.sessionBudget })(`${atelier().url}/api/x402/pay`, brief()).catch((e: unknown) => e)) as PaymentStopped;
    expect(overBudget.reason).toBe("policy_refused");
    expect(approvals.map((a) => a.kind)).toEqual(["over-policy"]);
    const changed = (await payingFetch(account, { shown: PRICE / 2n })(`${atelier().url}/api/x402/pay`, brief()).catch((e: unknown) => e)) as PaymentStopped;
    expect(changed.reason).toBe("quote_changed");
    expect(events).toEqual([]);
    const approved = await payingFetch(account, { shown: PRICE / 2n, approve: true })(`${atelier().url}/api/x402/pay`, brief());
    expect(approved.status).toBe(200);
    expect(approvals.at(-1)).toMatchObject({ kind: "quote-changed", amount: PRICE, payTo: SELLER });
  });

  it("a transfer whose proof did not get through stays journaled and is proven again from the journal", async () => {
    const account = await payer();
    atelier().state.failProofs = 1;
    const pay = payingFetch(account);
    const res = await pay(`${atelier().url}/api/x402/pay`, brief("a cat"));
    expect(res.status).toBe(503);
    expect(events).toEqual(["signed:false", "transferred"]);
    const [open] = readTransfers(storage, network.chainId) as [TransferEntry];
    expect(open.hash).toBe(pay.last()!.hash);
    // After a reload: the journal has what the proof needs.
    const again = await proveTransfer(fetch, open, brief("a cat"));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ data: { reply: "Logo for: a cat" } });
    // Once: the double serves a hash one time.
    expect((await proveTransfer(fetch, open, brief("a cat"))).status).toBe(409);
  });
});
