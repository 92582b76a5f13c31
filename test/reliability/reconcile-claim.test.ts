import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger, openLedgerDb, type OpenedLedgerDb } from "@/lib/ledger";

let opened: OpenedLedgerDb;
let ledger: Ledger;

beforeAll(async () => {
  opened = await openLedgerDb({ dataDir: "memory://" });
  ledger = new Ledger(opened.db);
});
afterAll(async () => {
  await opened?.close();
});

const newPayment = () => ({
  agentId: "a",
  payer: "0x" + "1".repeat(40),
  payTo: "0x" + "2".repeat(40),
  asset: "0x" + "3".repeat(40),
  network: "eip155:31337",
  amount: "10000",
  nonce: "0x" + crypto.randomUUID().replaceAll("-", "").padEnd(64, "0"),
  validBefore: "9999999999",
  x402Version: 2,
  resource: "http://agent/chat",
  paymentPayload: "{}",
  paymentRequirements: "{}",
});

describe("reconciliation's claim on an unfinished payment", () => {
  it("lists transient failures with the unfinished ones, and lets exactly one of two racing processes retry", async () => {
    const claim = await ledger.claimPayment(newPayment());
    if (!claim.claimed) throw new Error("not claimed");
    await ledger.markSettling(claim.payment.id);
    await ledger.markFailed(claim.payment.id, "rpc down", { retryable: true });
    const definitive = await ledger.claimPayment(newPayment());
    if (!definitive.claimed) throw new Error("not claimed");
    await ledger.markSettling(definitive.payment.id);
    await ledger.markFailed(definitive.payment.id, "invalid signature");

    const unfinished = await ledger.listUnfinishedPayments({ olderThanMs: 0 });
    expect(unfinished.map((p) => p.id)).toEqual([claim.payment.id]); // the definitive failure is final
    const seen = unfinished[0]!;
    const [a, b] = await Promise.all([ledger.claimForRetry(seen), ledger.claimForRetry(seen)]);
    expect([a.moved, b.moved].sort()).toEqual([false, true]);
    expect(await ledger.getPayment(seen.id)).toMatchObject({ status: "settling", attempts: 2, retryable: false, error: null });
    // What another process read before the claim is stale now: it cannot claim again.
    expect((await ledger.claimForRetry(seen)).moved).toBe(false);

    // A row left settling (a crash) stays settling when claimed: the attempt count tells the claims apart.
    const settling = (await ledger.getPayment(seen.id))!;
    const [c, d] = await Promise.all([ledger.claimForRetry(settling), ledger.claimForRetry(settling)]);
    expect([c.moved, d.moved].sort()).toEqual([false, true]);
    expect((await ledger.claimForRetry(settling)).moved).toBe(false);
  });
});
