import { x402Client } from "@x402/core/client";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import { toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme as TabClientScheme, InMemoryClientChannelStorage } from "@x402/evm/batch-settlement/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import { createPublicClient, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { NETWORKS } from "@/lib/chains/networks";
import { TabLedger } from "@/lib/ledger/tabs";
import type { Receipt } from "@/lib/x402/shared/receipt";
import { countingLedgerFixture } from "../support/counting-ledger";
import { MARKET_AGENT, USDC, chatBody, fundedPayer, paidStackFixture } from "./support";

/**
 * Every statement a tab's voucher message costs the ledger, end to end through the paid route and the official
 * client: on PGlite each one is a call into the WebAssembly Postgres on the app's own CPU.
 */
const stack = paidStackFixture();
const NETWORK = NETWORKS.local.caip2;

const counted = countingLedgerFixture();
const { statements } = counted;

function tabPayingFetch(payer: Awaited<ReturnType<typeof fundedPayer>>): typeof fetch {
  const session = privateKeyToAccount(generatePrivateKey());
  const scheme = new TabClientScheme(toClientEvmSigner(payer, createPublicClient({ transport: http(stack.anvil.rpcUrl) })), {
    storage: new InMemoryClientChannelStorage(),
    voucherSigner: toClientEvmSigner(session),
    payerAuthorizer: session.address,
    depositPolicy: { depositMultiplier: 30 },
  });
  const client = x402Client.fromConfig({
    schemes: [{ network: NETWORK, client: scheme }],
    spendControls: { allowedAssets: [{ network: NETWORK, asset: USDC }] },
  });
  return wrapFetchWithPayment(fetch, client);
}

async function message(pay: typeof fetch): Promise<Receipt> {
  const res = await pay(`${stack.url}/api/x402/${MARKET_AGENT}/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: chatBody("What is the current price of ETH?"),
  });
  const body = await res.text();
  expect(res.status, body).toBe(200);
  return (JSON.parse(body) as { payment: Receipt }).payment;
}

describe("one voucher message of a tab on PGlite", () => {
  it("costs the ledger 2 statements: the channel's reservation, and the charge committed with its history row", async () => {
    const pay = tabPayingFetch(await fundedPayer(stack.anvil.rpcUrl));
    await message(pay); // the deposit
    statements.length = 0;
    const receipt = await message(pay);
    expect(receipt.success).toBe(true);
    expect(statements.map((s) => s.trim().split(/\s+/)[0]!.toLowerCase()), statements.join("\n")).toEqual(["update", "with"]);
    // The receipt names the charge's row, which carries the channel's charged total.
    const [row] = (await counted.ledger().tabs(NETWORK).listEvents(receipt.tab!.channelId)).filter((e) => e.id === receipt.paymentId);
    expect(row).toMatchObject({ kind: "charge", amount: receipt.tab!.chargedAmount, cumulative: receipt.tab!.chargedCumulativeAmount });
  });
});

/**
 * The channel is read from this process's memory: a row changed by another process (here a store of its own on the
 * same database) must still decide the next message, never the state remembered.
 */
describe("a tab whose channel another process changed", () => {
  const elsewhere = () => new TabLedger(counted.quiet(), NETWORK);

  it("keeps the claimed total another process recorded, and serves the next message", async () => {
    const pay = tabPayingFetch(await fundedPayer(stack.anvil.rpcUrl));
    await message(pay);
    const { tab } = await message(pay);
    // The claimer, elsewhere, claimed everything charged so far.
    await elsewhere().updateChannel(tab!.channelId, (c) => c && { ...c, totalClaimed: c.chargedCumulativeAmount });
    const next = await message(pay);
    expect(next.success).toBe(true);
    const channel = await counted.ledger().tabs(NETWORK).get(tab!.channelId);
    expect(channel?.totalClaimed).toBe(tab!.chargedCumulativeAmount);
    expect(channel?.chargedCumulativeAmount).toBe(next.tab!.chargedCumulativeAmount);
  });

  it("refuses a voucher beyond a balance another process lowered", async () => {
    const pay = tabPayingFetch(await fundedPayer(stack.anvil.rpcUrl));
    await message(pay);
    const { tab } = await message(pay);
    // Another process saw the balance fall to what is charged (a partial refund there): nothing is left to spend.
    await elsewhere().updateChannel(tab!.channelId, (c) => c && { ...c, balance: c.chargedCumulativeAmount });
    const res = await pay(`${stack.url}/api/x402/${MARKET_AGENT}/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: chatBody("What is the current price of ETH?"),
    });
    expect(res.status).toBe(402);
    expect(decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!).error).toBe("invalid_batch_settlement_evm_cumulative_exceeds_balance");
    const channel = await counted.ledger().tabs(NETWORK).get(tab!.channelId);
    expect(channel).toMatchObject({ chargedCumulativeAmount: tab!.chargedCumulativeAmount, balance: tab!.chargedCumulativeAmount });
    expect(channel?.pendingRequest).toBeUndefined();
  });
});
