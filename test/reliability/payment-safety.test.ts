import type { PaymentRequirements } from "@x402/core/types";
import { createPublicClient, http, parseAbi, type Hex } from "viem";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { getAgent, priceAtomic } from "@/lib/agents/registry";
import { getLedger, type Payment } from "@/lib/ledger";
import { MARKET_AGENT, USDC, chatBody, fundedPayer, paidStackFixture, usdcBalance } from "../x402/support";
import { authorizationFor, requirementOf, signedPaymentHeader } from "./support/authorization";
import { usdcTransfers } from "./support/chain";

/**
 * The payment-safety holes an outside tester found in the paid route: replies beyond what the payer can pay,
 * charges for replies never delivered, authorizations valid far too long, reflected X-Forwarded-* headers.
 */

const stack = paidStackFixture();
let requirement: PaymentRequirements;
const chatUrl = () => `${stack.url}/api/x402/${MARKET_AGENT}/chat`;
const market = () => getAgent(MARKET_AGENT)!;
const nowS = () => BigInt(Math.floor(Date.now() / 1000));

beforeAll(async () => {
  requirement = await requirementOf(chatUrl());
});
afterEach(() => {
  delete process.env.OFFLINE_MODEL_DELAY_MS;
  delete process.env.TRUST_PROXY;
});

const authorizationUsed = (payer: Hex, nonce: Hex) =>
  createPublicClient({ transport: http(stack.anvil.rpcUrl) }).readContract({
    address: USDC,
    abi: parseAbi(["function authorizationState(address, bytes32) view returns (bool)"]),
    functionName: "authorizationState",
    args: [payer, nonce],
  });

/** Polls the ledger (a readiness check, bounded) until the payer's row satisfies `done`. */
async function ledgerRowOf(payer: string, done: (row: Payment) => boolean, timeoutMs = 20_000): Promise<Payment> {
  const ledger = await getLedger();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await ledger.listPayments({ payer });
    if (row && done(row)) return row;
    if (Date.now() > deadline) throw new Error(`ledger row of ${payer}: ${row ? row.status : "none"} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a payer holding one price who signs 20 authorizations at once", () => {
  it("gets exactly one reply and one settlement; the rest are refused before any reply", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl, "0.01");
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(priceAtomic(market()));
    const headers = await Promise.all(
      Array.from({ length: 20 }, () => signedPaymentHeader(payer, requirement, authorizationFor(requirement)).then((s) => s.header)),
    );

    const responses = await Promise.all(
      headers.map((header) =>
        fetch(chatUrl(), { method: "POST", headers: { "PAYMENT-SIGNATURE": header }, body: chatBody("What is the current price of ETH?") }),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => r.text()));
    const replies = bodies.filter((_, i) => responses[i]!.status === 200);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain("data-receipt");
    for (const [i, res] of responses.entries()) {
      if (res.status !== 200) {
        expect(res.status).toBe(402);
        // Refused by the reservation, or (once the one payment settled) by the facilitator's balance check.
        expect(JSON.parse(bodies[i]!).error).toMatch(/^(insufficient_funds|invalid_exact_evm_insufficient_balance|insufficient_balance)$/);
      }
    }
    const transfers = await usdcTransfers(stack.anvil.rpcUrl, payer.address, market().payTo as Hex);
    expect(transfers.map((t) => t.value)).toEqual([priceAtomic(market())]);
    const rows = await (await getLedger()).listPayments({ payer: payer.address });
    expect(rows.map((r) => r.status)).toEqual(["settled"]);
  });
});

describe("a payer who hangs up before the reply", () => {
  it.each([
    ["a streamed reply, before its first output", "text/event-stream"],
    ["a JSON reply, before it is sent", "application/json"],
  ])("is never charged: %s", async (_name, accept) => {
    // A slower model, so the reply is still on its way when the payer leaves.
    process.env.OFFLINE_MODEL_DELAY_MS = "400";
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const { header, nonce } = await signedPaymentHeader(payer, requirement, authorizationFor(requirement));

    const hangUp = new AbortController();
    const sent = fetch(chatUrl(), {
      method: "POST",
      headers: { "PAYMENT-SIGNATURE": header, accept },
      body: chatBody("Hello, who are you?"),
      signal: hangUp.signal,
    }).then((res) => res.text());
    sent.catch(() => {}); // it is aborted below
    // Once the payment is claimed (verified, reply started), the payer leaves.
    await ledgerRowOf(payer.address, () => true);
    hangUp.abort();

    const row = await ledgerRowOf(payer.address, (r) => r.status !== "verified");
    expect(row).toMatchObject({ status: "voided", error: "the client disconnected before the reply; not charged" });
    expect(await authorizationUsed(payer.address, nonce)).toBe(false);
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
  });
});

describe("authorizations valid far longer than the quote's maxTimeoutSeconds", () => {
  it("are refused before verification; one within it (plus clock skew) pays", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const tooLong = authorizationFor(requirement, { validBefore: nowS() + BigInt(requirement.maxTimeoutSeconds) + 3_600n });
    const { header } = await signedPaymentHeader(payer, requirement, tooLong);
    const res = await fetch(chatUrl(), { method: "POST", headers: { "PAYMENT-SIGNATURE": header }, body: chatBody("hi") });
    expect(res.status).toBe(402);
    expect(((await res.json()) as { error: string }).error).toBe("authorization_validity_too_long");
    expect(await (await getLedger()).listPayments({ payer: payer.address })).toEqual([]);

    const skewed = authorizationFor(requirement, { validBefore: nowS() + BigInt(requirement.maxTimeoutSeconds) + 30n });
    const ok = await fetch(chatUrl(), {
      method: "POST",
      headers: { "PAYMENT-SIGNATURE": (await signedPaymentHeader(payer, requirement, skewed)).header },
      body: chatBody("hi"),
    });
    expect(ok.status).toBe(200);
    await ok.text();
  });
});

describe("the resource URL in the 402", () => {
  const resourceOf = async (headers: Record<string, string>) => {
    const res = await fetch(chatUrl(), { method: "POST", headers, body: chatBody("hi") });
    return ((await res.json()) as { accepts: Array<{ resource: string }> }).accepts[0]!.resource;
  };

  it("ignores X-Forwarded-* unless TRUST_PROXY is set", async () => {
    const forged = { "x-forwarded-proto": "https", "x-forwarded-host": "evil.example" };
    expect(await resourceOf(forged)).toBe(chatUrl());
    process.env.TRUST_PROXY = "1";
    expect(await resourceOf({ "x-forwarded-proto": "https", "x-forwarded-host": "agents.example.com" })).toBe(
      `https://agents.example.com/api/x402/${MARKET_AGENT}/chat`,
    );
  });

  it("never reflects a scheme other than http(s) or a host with a path, even behind a trusted proxy", async () => {
    process.env.TRUST_PROXY = "1";
    expect(await resourceOf({ "x-forwarded-proto": "javascript", "x-forwarded-host": "evil.example" })).toBe(chatUrl());
    expect(await resourceOf({ "x-forwarded-proto": "https", "x-forwarded-host": "evil.example/x?" })).toBe(chatUrl());
  });
});
