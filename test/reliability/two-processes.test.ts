/**
 * Issue 12, acceptance "Two processes": two app processes on one Postgres and one chain, with one facilitator key.
 * Each process is a Node process of its own serving the app's paid chat and facilitator routes and starting what
 * instrumentation.ts starts (test/support/app-routes-process.ts): its own modules, facilitator senders and
 * claimer, sharing only Postgres and the chain, as two `npm start`s behind a load balancer do. Clients are spread
 * across both: official-client tabs (a deposit, then vouchers, each message to the other process), exact payments,
 * and cooperative refunds, all at once.
 */
import { x402Client } from "@x402/core/client";
import { toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme as TabClientScheme, InMemoryClientChannelStorage } from "@x402/evm/batch-settlement/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import { createPublicClient, getAddress, http, parseAbi, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { getAgent, priceAtomic } from "@/lib/agents/registry";
import { NETWORKS } from "@/lib/chains/networks";
import { localPayingFetch, sendPaidMessage } from "@/lib/devtools/load/client";
import { fundedPayers } from "@/lib/devtools/load/payers";
import { chainSettlements, ledgerSettlements, reconcile, type Settlement } from "@/lib/devtools/load/reconcile";
import type { TickReport } from "@/lib/x402/settlement/claimer";
import { reconcileTabs } from "@/lib/x402/settlement/claimer";
import type { Receipt } from "@/lib/x402/shared/receipt";
import { testChainFixture } from "../support/fixtures";
import { twoAppProcessesFixture } from "../support/two-app-processes";

const chain = testChainFixture();
const NETWORK = NETWORKS.local.caip2;
const USDC = NETWORKS.local.usdc.address;
const MARKET_AGENT = "00000000-0000-0000-0000-000000000001";
const TAB_CLIENTS = 6;
const TAB_MESSAGES = 5;
const EXACT_CLIENTS = 10;
const EXACT_MESSAGES = 3;
const DEPOSIT_MULTIPLIER = 30;
/** x402BatchSettlement at its canonical address, read directly for what the ledger no longer lists. */
const TABS_CONTRACT = getAddress("0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003");
const tabsAbi = parseAbi([
  "function channels(bytes32 channelId) view returns (uint128 balance, uint128 totalClaimed)",
  "function receivers(address receiver, address token) view returns (uint128 totalClaimed, uint128 totalSettled)",
]);

const stack = twoAppProcessesFixture(chain, {
  // The claimer claims when the test asks (claimNow), not on its own threshold or period meanwhile.
  TAB_CLAIM_THRESHOLD_USDC: "1000",
  TAB_CLAIM_INTERVAL_SECONDS: "3600",
  TAB_CLAIM_POLL_SECONDS: "3600",
});

const chatUrl = (app: number, agentId = MARKET_AGENT) => `${stack.apps[app % 2]!.url}/api/x402/${agentId}/chat`;

/** The official client for a tab: the payer's key signs the deposit, a session key signs the vouchers. */
function tabClient(payer: PrivateKeyAccount) {
  const session = privateKeyToAccount(generatePrivateKey());
  const scheme = new TabClientScheme(toClientEvmSigner(payer, createPublicClient({ transport: http(chain.rpcUrl) })), {
    storage: new InMemoryClientChannelStorage(),
    voucherSigner: toClientEvmSigner(session),
    payerAuthorizer: session.address,
    depositPolicy: { depositMultiplier: DEPOSIT_MULTIPLIER },
  });
  const client = x402Client.fromConfig({
    schemes: [{ network: NETWORK, client: scheme }],
    spendControls: { allowedAssets: [{ network: NETWORK, asset: USDC }] },
  });
  return { scheme, pay: wrapFetchWithPayment(fetch, client) };
}

async function sendJson(pay: typeof fetch, url: string): Promise<Receipt> {
  const res = await pay(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "What is the current price of ETH?" }] }),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${body}`);
  return (JSON.parse(body) as { payment: Receipt }).payment;
}

async function claimer(app: number, action: "tick" | "claimNow"): Promise<TickReport> {
  const res = await fetch(`${stack.apps[app]!.url}/test/claimer`, { method: "POST", body: JSON.stringify({ action }) });
  if (!res.ok) throw new Error(`claimer ${action} in process ${app}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as TickReport;
}

describe("two app processes, one Postgres, one chain, one facilitator key", () => {
  it("serve tabs, exact payments and refunds at once: nothing fails, one claimer claims once, the ledger reconciles with the chain", async () => {
    const market = getAgent(MARKET_AGENT)!;
    const price = priceAtomic(market);
    const publicClient = createPublicClient({ transport: http(chain.rpcUrl) });
    const [tabPayers, exactPayers] = await Promise.all([
      fundedPayers(chain.rpcUrl, TAB_CLIENTS, "1"),
      fundedPayers(chain.rpcUrl, EXACT_CLIENTS, "1"),
    ]);
    const fromBlock = await publicClient.getBlockNumber();

    // All at once: every tab opens with a deposit and sends each message to the other process than the last;
    // every other tab is then refunded through the process it did not end on; exact payers alternate too.
    const tabRuns = tabPayers.map(async (payer, t) => {
      const { pay, scheme } = tabClient(payer);
      const receipts: Receipt[] = [];
      for (let m = 0; m < TAB_MESSAGES; m++) receipts.push(await sendJson(pay, chatUrl(t + m)));
      const refund = t % 2 === 0 ? await scheme.refund(chatUrl(t + TAB_MESSAGES)) : undefined;
      return { payer, receipts, refund };
    });
    const exactRuns = exactPayers.map(async (payer, e) => {
      const pay = localPayingFetch(payer);
      const outcomes = [];
      for (let m = 0; m < EXACT_MESSAGES; m++) outcomes.push(await sendPaidMessage(pay, chatUrl(e + m), "What is the current price of ETH?"));
      return outcomes;
    });
    const [tabs, exacts] = await Promise.all([Promise.all(tabRuns), Promise.all(exactRuns)]);

    // No failed settlement or deposit.
    expect(exacts.flat().map((o) => (o.ok ? "ok" : o.reason))).toEqual(Array(EXACT_CLIENTS * EXACT_MESSAGES).fill("ok"));
    const deposit = BigInt(DEPOSIT_MULTIPLIER) * price;
    const chargedByChannel = new Map<string, bigint>();
    for (const { receipts, refund } of tabs) {
      expect(receipts.every((r) => r.success)).toBe(true);
      expect(receipts[0]!.tab!.depositTransaction).toMatch(/^0x[0-9a-f]{64}$/);
      const charged = receipts.reduce((sum, r) => sum + BigInt(r.tab!.chargedAmount), 0n);
      expect(receipts.at(-1)!.tab!.chargedCumulativeAmount).toBe(charged.toString());
      chargedByChannel.set(receipts[0]!.tab!.channelId.toLowerCase(), charged);
      if (refund) {
        expect(refund.success).toBe(true);
        expect(refund.amount).toBe((deposit - charged).toString());
      }
    }

    // Exactly one claimer across the processes, the other on standby; the claim happens once.
    const roles = await Promise.all([claimer(0, "tick"), claimer(1, "tick")]);
    expect(roles.map((r) => r.role).sort()).toEqual(["claimer", "standby"]);
    const active = roles.findIndex((r) => r.role === "claimer");
    const [claimed, standby] = await Promise.all([claimer(active, "claimNow"), claimer(1 - active, "claimNow")]);
    expect(standby.role).toBe("standby");
    if (claimed.role !== "claimer") throw new Error("the claimer lost its lock");
    expect(claimed.networks.flatMap((n) => n.errors)).toEqual([]);
    const again = await claimer(active, "claimNow");
    if (again.role !== "claimer") throw new Error("the claimer lost its lock");
    expect(again.networks.flatMap((n) => n.claims)).toEqual([]);

    // Tabs: the ledger's claims equal totalClaimed on chain, which equals each tab's charges (reconcileTabs, over
    // the tabs still open).
    const rows = await reconcileTabs({ network: NETWORK, tabs: stack.ledger.tabs(NETWORK), client: publicClient }, stack.ledger.tabClaimer());
    const open = tabs.filter((t) => !t.refund).map((t) => t.receipts[0]!.tab!.channelId.toLowerCase());
    expect(rows.map((r) => r.channelId).sort()).toEqual(open.sort());
    for (const row of rows) {
      expect(row.mismatches).toEqual([]);
      expect(row.claimedOnChain).toBe(chargedByChannel.get(row.channelId)!.toString());
    }
    // A refunded tab leaves the channel store; its charges were claimed by the refund itself: on chain its
    // totalClaimed is its charges, and in the ledger its deposit less its refund is too.
    for (const { receipts, refund } of tabs.filter((t) => t.refund)) {
      const id = receipts[0]!.tab!.channelId.toLowerCase() as Hex;
      const [, totalClaimed] = await publicClient.readContract({ address: TABS_CONTRACT, abi: tabsAbi, functionName: "channels", args: [id] });
      expect(totalClaimed).toBe(chargedByChannel.get(id));
      const events = await stack.ledger.tabs(NETWORK).listEvents(id);
      const sum = (kind: string) => events.filter((e) => e.kind === kind).reduce((total, e) => total + BigInt(e.amount), 0n);
      expect(sum("deposit") - sum("refund")).toBe(chargedByChannel.get(id));
      expect(sum("refund").toString()).toBe(refund!.amount);
    }
    // Everything claimed for the agent was swept to it.
    const [receiverClaimed, receiverSettled] = await publicClient.readContract({
      address: TABS_CONTRACT,
      abi: tabsAbi,
      functionName: "receivers",
      args: [market.payTo as Address, USDC],
    });
    expect(receiverClaimed).toBe([...chargedByChannel.values()].reduce((a, b) => a + b, 0n));
    expect(receiverSettled).toBe(receiverClaimed);

    // Exact: receipts = settled ledger rows = Transfers on chain, by transaction and to the unit.
    const receipts: Settlement[] = exacts.flat().flatMap((o) =>
      o.ok ? [{ agentId: MARKET_AGENT, txHash: o.receipt.transaction.toLowerCase(), amount: BigInt(o.receipt.amount), payer: o.receipt.payer }] : [],
    );
    const payers = exactPayers.map((p) => p.address as Address);
    const reconciliation = reconcile({
      receipts,
      ledger: await ledgerSettlements(stack.ledger, payers),
      chain: await chainSettlements({ rpcUrl: chain.rpcUrl, fromBlock, payers, agentByPayTo: new Map([[market.payTo.toLowerCase(), MARKET_AGENT]]) }),
    });
    expect(reconciliation.mismatches).toEqual([]);
    expect(reconciliation.exact).toBe(true);
    expect(reconciliation.perAgent[MARKET_AGENT]?.chain.count).toBe(EXACT_CLIENTS * EXACT_MESSAGES);
  });
});
