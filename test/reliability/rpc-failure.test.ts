import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAgent, priceAtomic } from "@/lib/agents/registry";
import { getLedger } from "@/lib/ledger";
import { getLocalFacilitator } from "@/lib/x402/facilitator";
import type { Receipt } from "@/lib/x402/shared/receipt";
import { reconcileUnfinishedPayments } from "@/lib/x402/server/reconcile";
import { readUIChunks } from "../support/ui-stream";
import { MARKET_AGENT, chatBody, fundedPayer, payingFetch, paidStackFixture, usdcBalance } from "../x402/support";
import { authorizationFor, requirementOf, signedPaymentHeader } from "./support/authorization";
import { advanceChainTime, usdcTransfers } from "./support/chain";
import { startRpcDouble } from "./support/rpc-double";

const stack = paidStackFixture();
let rpc: Awaited<ReturnType<typeof startRpcDouble>>;
const market = () => getAgent(MARKET_AGENT)!;
const chatUrl = () => `${stack.url}/api/x402/${MARKET_AGENT}/chat`;

beforeAll(async () => {
  // The server (facilitator and reconciliation) reaches the chain only through the double; the test reads anvil directly.
  rpc = await startRpcDouble(stack.anvil.rpcUrl);
  process.env.LOCAL_RPC_URL = rpc.url;
});
afterAll(async () => {
  await rpc?.close();
});

async function payWhileRpcFails(methods: string[]) {
  const payer = await fundedPayer(stack.anvil.rpcUrl);
  const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
  rpc.fail(methods);
  try {
    const res = await payingFetch(payer)(chatUrl(), { method: "POST", body: chatBody("What is the current price of ETH?") });
    expect(res.status).toBe(200);
    const chunks = await readUIChunks(res);
    expect(chunks.some((c) => c.type === "text-delta")).toBe(true); // the reply was delivered
    expect(chunks.some((c) => c.type === "error")).toBe(false); // pending is not a payment error
    const receipt = chunks.find((c) => c.type === "data-receipt")?.data as Receipt;
    return { payer, before, receipt };
  } finally {
    rpc.restore();
  }
}

describe("the chain RPC fails during settlement", () => {
  it("cannot send the transaction: pending, payload kept, then settled exactly once by reconciliation", async () => {
    const { payer, before, receipt } = await payWhileRpcFails(["eth_sendRawTransaction"]);
    expect(rpc.failed).toContain("eth_sendRawTransaction");
    expect(receipt).toMatchObject({ success: false, pending: true, transaction: "" });

    const ledger = await getLedger();
    const row = (await ledger.getPayment(receipt.paymentId))!;
    expect(row).toMatchObject({ status: "failed", retryable: true });
    expect(JSON.parse(row.paymentPayload!)).toMatchObject({ payload: { authorization: { from: payer.address } } });
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);

    const reports = await reconcileUnfinishedPayments({ olderThanMs: 0 });
    expect(reports.find((r) => r.paymentId === receipt.paymentId)?.action).toBe("retried");
    const transfers = await usdcTransfers(stack.anvil.rpcUrl, payer.address, market().payTo as `0x${string}`);
    expect(transfers).toEqual([{ value: priceAtomic(market()), transactionHash: expect.any(String) }]);
    expect(await ledger.getPayment(receipt.paymentId)).toMatchObject({ status: "settled", txHash: transfers[0]!.transactionHash });
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before - priceAtomic(market()));

    // A second pass finds nothing to do: no second transfer.
    const again = await reconcileUnfinishedPayments({ olderThanMs: 0 });
    expect(again.filter((r) => r.paymentId === receipt.paymentId)).toEqual([]);
    expect(await usdcTransfers(stack.anvil.rpcUrl, payer.address, market().payTo as `0x${string}`)).toHaveLength(1);
  });

  it("sends it but cannot read the receipt: pending, then the transaction is found on chain, not sent again", async () => {
    const { payer, before, receipt } = await payWhileRpcFails(["eth_getTransactionReceipt"]);
    expect(receipt).toMatchObject({ success: false, pending: true });
    // The transfer did happen: the chain moved the money once while the server could not see it.
    const sent = await usdcTransfers(stack.anvil.rpcUrl, payer.address, market().payTo as `0x${string}`);
    expect(sent).toHaveLength(1);

    const reports = await reconcileUnfinishedPayments({ olderThanMs: 0 });
    expect(reports.find((r) => r.paymentId === receipt.paymentId)?.action).toBe("settled");
    const ledger = await getLedger();
    expect(await ledger.getPayment(receipt.paymentId)).toMatchObject({ status: "settled", txHash: sent[0]!.transactionHash });
    expect(await usdcTransfers(stack.anvil.rpcUrl, payer.address, market().payTo as `0x${string}`)).toHaveLength(1);
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before - priceAtomic(market()));
  });

  it("loses the chain altogether once settling starts: pending, not a bad signature, then settled once", async () => {
    let armed = true;
    // The real facilitator's own hook turns the RPC off at the moment settlement begins, after verification.
    getLocalFacilitator().onBeforeSettle(async () => {
      if (armed) rpc.fail(["*"]);
      armed = false;
    });
    const { payer, before, receipt } = await payWhileRpcFails([]);
    expect(receipt).toMatchObject({ success: false, pending: true, error: expect.stringContaining("cannot reach") });
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);

    const reports = await reconcileUnfinishedPayments({ olderThanMs: 0 });
    expect(reports.find((r) => r.paymentId === receipt.paymentId)?.action).toBe("retried");
    expect(await usdcTransfers(stack.anvil.rpcUrl, payer.address, market().payTo as `0x${string}`)).toHaveLength(1);
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before - priceAtomic(market()));
  });

  // Last in this file: it moves the chain's clock an hour ahead.
  it("an authorization that expires before the RPC comes back fails, and nobody is charged", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const requirement = await requirementOf(chatUrl());
    const validBefore = BigInt(Math.floor(Date.now() / 1000) + 120);
    const { header } = await signedPaymentHeader(payer, requirement, authorizationFor(requirement, { validBefore }));
    rpc.fail(["eth_sendRawTransaction"]);
    let receipt: Receipt;
    try {
      const res = await fetch(chatUrl(), { method: "POST", headers: { "PAYMENT-SIGNATURE": header }, body: chatBody("What is the current price of ETH?") });
      receipt = (await readUIChunks(res)).find((c) => c.type === "data-receipt")?.data as Receipt;
    } finally {
      rpc.restore();
    }
    expect(receipt).toMatchObject({ pending: true });

    await advanceChainTime(stack.anvil.rpcUrl, 3_600);
    const reports = await reconcileUnfinishedPayments({ olderThanMs: 0 });
    expect(reports.find((r) => r.paymentId === receipt.paymentId)).toMatchObject({ action: "failed", detail: expect.stringContaining("expired") });
    expect(await (await getLedger()).getPayment(receipt.paymentId)).toMatchObject({ status: "failed", retryable: false });
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
    expect(await usdcTransfers(stack.anvil.rpcUrl, payer.address, market().payTo as `0x${string}`)).toEqual([]);
  });
});
