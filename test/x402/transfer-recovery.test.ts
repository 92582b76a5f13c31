/**
 * A transfer sent but not proven (the page reloaded between mined and proven, or the proof did not get through) is
 * proven again on load from the transfer journal: against the Atelier-style double on anvil.
 */
import { createPublicClient, http, parseUnits, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { beforeEach, describe, expect, it } from "vitest";
import { NETWORKS } from "@/lib/chains/networks";
import { fundLocalAccount } from "@/lib/devchain";
import { DEFAULT_POLICY } from "@/lib/x402/payer/policy";
import { createTransferPayingFetch, localTransferWallet, openTransfer, proveTransfer, readTransfers, transferChain, type TransferEntry } from "@/lib/x402/payer/pay-by-transfer";
import { recoverTransfers } from "@/lib/x402/payer/transfer-recovery";
import { startAtelierDouble } from "../../e2e/support/atelier-double";
import { fixture, testChainFixture } from "../support/fixtures";
import { MemoryStorage } from "../support/memory-storage";

const network = NETWORKS.local;
const PRICE = 20_000n;
const SELLER = privateKeyToAccount(generatePrivateKey()).address;
const chain = testChainFixture();
const atelier = fixture(() => startAtelierDouble({ rpcUrl: chain.rpcUrl, payTo: SELLER, price: PRICE }), (double) => double.close());

let reader: PublicClient;
let storage: MemoryStorage;
beforeEach(() => {
  reader = createPublicClient({ transport: http(chain.rpcUrl) }) as PublicClient;
  storage = new MemoryStorage();
  atelier().state.failProofs = 0;
});

const mined = async (hash: Hex) => (await reader.getTransactionReceipt({ hash }).catch(() => null))?.status ?? null;
const brief = (text: string) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ brief: text }) });

/** Pays the double once from a funded wallet, with its first proof dropped: the transfer is mined, not proven. */
async function paidNotProven(text: string): Promise<TransferEntry> {
  const account = privateKeyToAccount(generatePrivateKey());
  await fundLocalAccount(chain.rpcUrl, account.address, { usdc: parseUnits("1", 6), eth: parseUnits("1", 18) });
  atelier().state.failProofs = 1;
  const pay = createTransferPayingFetch({
    network,
    wallet: () => localTransferWallet(account, reader, async (serialized) => void (await reader.request({ method: "eth_sendRawTransaction", params: [serialized] }))),
    chain: transferChain(reader, network),
    shownPrice: () => ({ network: network.caip2, asset: network.usdc.address, payTo: SELLER, amount: PRICE }),
    policy: () => ({ policy: DEFAULT_POLICY, spent: { session: 0n, today: 0n } }),
    approve: async () => false,
    onSigned: (entry) => openTransfer(storage, entry),
    onTransferred: () => undefined,
    onProven: () => undefined,
    context: () => ({ agentName: "Atelier double", conversationId: "c1", messageId: "m1" }),
  });
  expect((await pay(atelier().payUrl, brief(text))).status).toBe(503);
  const [open] = readTransfers(storage, network.chainId) as [TransferEntry];
  return open;
}

describe("proving a journaled transfer again on load", () => {
  it("a transfer mined but not proven is proven with its request; the reply and the record come back, the entry closes", async () => {
    const entry = await paidNotProven("a cat");
    // A reload before the page saw it mined: the journal does not say so, the chain does.
    openTransfer(storage, { ...entry, mined: undefined });
    const [recovered, ...more] = await recoverTransfers(storage, network, fetch, mined);
    expect(more).toEqual([]);
    expect(atelier().state.proofs.at(-1)).toEqual({ hash: entry.hash, network: "eip155:31337" });
    expect(recovered!.reply?.parts).toEqual([
      { type: "text", text: "Logo for: a cat" },
      { type: "data-receipt", data: expect.objectContaining({ transaction: entry.hash, success: true, amount: PRICE.toString(), payTo: SELLER }) },
    ]);
    expect(recovered!.record).toMatchObject({ id: entry.hash, transaction: entry.hash, status: "settled", amount: PRICE.toString(), conversationId: "c1" });
    expect(readTransfers(storage, network.chainId)).toEqual([]);
    // Nothing is left to prove on the next load.
    expect(await recoverTransfers(storage, network, fetch, mined)).toEqual([]);
  });

  it("an agent still busy keeps the entry for the next pass; a page still paying it is left alone", async () => {
    const entry = await paidNotProven("a dog");
    atelier().state.failProofs = 1;
    expect(await recoverTransfers(storage, network, fetch, mined)).toEqual([]);
    expect(readTransfers(storage, network.chainId).map((e) => e.hash)).toEqual([entry.hash]);
    expect(await recoverTransfers(storage, network, fetch, mined, async () => false)).toEqual([]);
    expect(readTransfers(storage, network.chainId)).toHaveLength(1);
    const [recovered] = await recoverTransfers(storage, network, fetch, mined);
    expect(recovered!.reply?.parts[0]).toEqual({ type: "text", text: "Logo for: a dog" });
  });

  it("a hash the agent already served is recorded as paid, without a reply, and closed", async () => {
    const entry = await paidNotProven("a bird");
    expect((await proveTransfer(fetch, entry, brief("a bird"))).status).toBe(200);
    const [recovered] = await recoverTransfers(storage, network, fetch, mined);
    expect(recovered!.reply).toBeNull();
    expect(recovered!.record).toMatchObject({ transaction: entry.hash, status: "settled", error: expect.stringMatching(/already served/) });
    expect(readTransfers(storage, network.chainId)).toEqual([]);
  });
});
