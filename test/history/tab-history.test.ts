/**
 * A tab in the payment history, on a real anvil and the real paid route: the tab client's callbacks write the books
 * through tabLedger (budgets and rows), the reply's record (recordOfReply) gives the deposit its transaction, and
 * the rows are reconciled with `channels(channelId)` on chain.
 */
import { createPublicClient, http } from "viem";
import { describe, expect, it } from "vitest";
import { getAgent, priceAtomic } from "@/lib/agents/registry";
import { NETWORKS } from "@/lib/chains/networks";
import { addPayment, analyze, readPayments, recordOfReply } from "@/lib/browser/history/payments";
import { recordTabEvent, reconcileTab, tabTotals } from "@/lib/browser/history/tab-history";
import { reconcileTabs } from "@/lib/browser/history/tab-reconcile";
import { DEFAULT_POLICY, readBudgetUse, readSpent } from "@/lib/x402/payer/policy";
import { TabClient, type TabWallet } from "@/lib/x402/payer/tab-client";
import { tabLedger } from "@/lib/x402/payer/tab-ledger";
import { tabStorage } from "@/lib/x402/payer/tab-store";
import type { ChatMessage } from "@/lib/x402/shared/chat-message";
import type { Receipt } from "@/lib/x402/shared/receipt";
import { toClientEvmSigner } from "@x402/evm";
import { MemoryStorage } from "../support/memory-storage";
import { chatBody, fundedPayer, paidStackFixture, usdcBalance } from "../x402/support";

const stack = paidStackFixture();
const LOCAL = NETWORKS.local;
const GUIDE_AGENT = "00000000-0000-0000-0000-000000000003";
const agent = { agentId: GUIDE_AGENT, agentName: "x402 Guide", conversationId: "c1" };

describe("a tab in the history", () => {
  it("shows its deposit (with its transaction), each charge, and its refund; spent is the sum of the charges, and it matches the chain", async () => {
    const price = priceAtomic(getAgent(GUIDE_AGENT)!);
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const reader = createPublicClient({ transport: http(stack.anvil.rpcUrl) });
    const stores = { local: new MemoryStorage(), session: new MemoryStorage() };
    const books = tabLedger(LOCAL, stores);
    const tab = new TabClient({
      network: LOCAL,
      wallet: toClientEvmSigner(payer, reader) as TabWallet,
      storage: tabStorage(LOCAL.chainId, new MemoryStorage()),
      policy: () => ({ policy: DEFAULT_POLICY, spent: readSpent(stores, LOCAL.chainId) }),
      onDeposit: (d) => books.depositSent({ ...d, ...agent }),
      onDepositFailed: (d) => books.depositFailed(d),
      onCharge: (charge) => books.charged(charge, agent),
    });
    const start = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const url = `${stack.url}/api/x402/${GUIDE_AGENT}/chat`;
    const receipts: Receipt[] = [];
    for (let i = 0; i < 2; i += 1) {
      const res = await tab.fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: chatBody("What is x402?") });
      expect(res.status).toBe(200);
      const receipt = ((await res.json()) as { payment: Receipt }).payment;
      receipts.push(receipt);
      // The reply's own record, as the chat writes it when the reply ends (with usage when known).
      const message = { id: `m${i}`, role: "assistant", parts: [{ type: "data-receipt", data: receipt }] } as unknown as ChatMessage;
      addPayment(stores.local, recordOfReply(message, { ...agent, chainId: LOCAL.chainId })!);
    }
    const deposit = 20n * price;
    const channelId = receipts[0]!.tab!.channelId.toLowerCase();
    // Reserved, not spent: two charges spent, the rest of the deposit reserved.
    expect(readBudgetUse(stores, LOCAL.chainId)).toEqual({ spent: { session: 2n * price, today: 2n * price }, reserved: { session: deposit - 2n * price, today: deposit - 2n * price } });
    expect(await reconcileTabs(readPayments(stores.local, LOCAL.chainId), reader)).toEqual([{ channelId, matches: true }]);

    // A refund row with no refund on chain: the channel still holds funds, which the reconciliation flags.
    const fake = [recordTabEvent(new MemoryStorage(), { kind: "refund", chainId: LOCAL.chainId, network: LOCAL.caip2, channelId, amount: deposit - 2n * price, transaction: "0x01" }), ...readPayments(stores.local, LOCAL.chainId)];
    expect(await reconcileTabs(fake, reader)).toEqual([{ channelId, matches: false, why: expect.stringContaining("still holds") }]);

    const closed = await tab.close(url);
    books.refunded({ channelId: closed.channelId, refunded: closed.refunded, transaction: closed.transaction });

    const rows = readPayments(stores.local, LOCAL.chainId);
    expect(rows.map((r) => [r.tab?.kind, r.amount, r.transaction])).toEqual([
      ["refund", (deposit - 2n * price).toString(), closed.transaction],
      ["charge", price.toString(), ""],
      ["charge", price.toString(), ""],
      ["deposit", deposit.toString(), receipts[0]!.tab!.depositTransaction],
    ]);
    expect(rows.map((r) => r.status)).toEqual(["settled", "settled", "settled", "settled"]);
    expect(rows.every((r) => r.agentName === "x402 Guide")).toBe(true);
    // Spent = the sum of the charges = what left the wallet, to the unit; two paid messages.
    const spentOnChain = start - (await usdcBalance(stack.anvil.rpcUrl, payer.address));
    expect(spentOnChain).toBe(2n * price);
    expect(analyze(rows).total).toMatchObject({ messages: 2, spent: spentOnChain });
    expect(tabTotals(rows)).toEqual([{ channelId, deposited: deposit, charged: 2n * price, charges: 2, returned: deposit - 2n * price, closed: true }]);
    // The close released the reservation: the budgets keep only the charges.
    expect(readBudgetUse(stores, LOCAL.chainId)).toEqual({ spent: { session: 2n * price, today: 2n * price }, reserved: { session: 0n, today: 0n } });
    // Closed: the channel holds only what the seller claimed, the charges.
    expect(await reconcileTabs(rows, reader)).toEqual([{ channelId, matches: true }]);
  });
});

describe("reconciling a tab's rows with its channel", () => {
  const totals = { channelId: "0xab", deposited: 100n, charged: 30n, charges: 3, returned: 0n, closed: false };
  it("flags charges recorded above the channel's balance, and a seller that claimed more than was charged", () => {
    expect(reconcileTab(totals, { balance: 100n, totalClaimed: 20n })).toEqual({ channelId: "0xab", matches: true });
    expect(reconcileTab({ ...totals, charged: 120n }, { balance: 100n, totalClaimed: 0n })).toMatchObject({ matches: false, why: expect.stringContaining("above the channel's balance") });
    expect(reconcileTab(totals, { balance: 100n, totalClaimed: 40n })).toMatchObject({ matches: false, why: expect.stringContaining("more than") });
    expect(reconcileTab(totals, { balance: 90n, totalClaimed: 0n })).toMatchObject({ matches: false, why: expect.stringContaining("holds 90") });
  });
});
