import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { Hex } from "viem";
import { describe, expect, it, vi } from "vitest";
import { GET, POST } from "@/app/api/payments/[nonce]/route";
import { getLedger } from "@/lib/ledger";
import { serveRoutes } from "@/lib/devtools/route-server";
import { REPLY_ACCESS_TYPES, replyAccessDomain, type KeptPayment } from "@/lib/x402/shared/reply-access";
import { fixture } from "../support/fixtures";
import { readUIChunks } from "../support/ui-stream";
import { MARKET_AGENT, USDC, chatBody, fundedPayer, paidStackFixture, payingFetch } from "./support";

const stack = paidStackFixture();
const payments = fixture(
  () =>
    serveRoutes([
      { method: "GET", path: "/api/payments/:nonce", handle: (req, p) => GET(req, { params: Promise.resolve({ nonce: p.nonce! }) }) },
      { method: "POST", path: "/api/payments/:nonce", handle: (req, p) => POST(req, { params: Promise.resolve({ nonce: p.nonce! }) }) },
    ]),
  (server) => server.close(),
);

const NETWORK = "eip155:31337";

/** A paid, streamed reply of the market agent, read to the end; its payment's nonce from the ledger. */
async function paidReply(payer: PrivateKeyAccount): Promise<{ nonce: Hex; paymentId: string; chunks: Awaited<ReturnType<typeof readUIChunks>> }> {
  const res = await payingFetch(payer)(`${stack.url}/api/x402/${MARKET_AGENT}/chat`, { method: "POST", body: chatBody("What is the current price of ETH?") });
  expect(res.status).toBe(200);
  const chunks = await readUIChunks(res);
  const receipt = chunks.find((c) => c.type === "data-receipt")?.data as { paymentId: string; success: boolean };
  expect(receipt.success).toBe(true);
  const row = await (await getLedger()).getPayment(receipt.paymentId);
  return { nonce: row!.nonce as Hex, paymentId: receipt.paymentId, chunks };
}

async function askReply(signer: PrivateKeyAccount, payer: string, nonce: Hex, expires = BigInt(Math.floor(Date.now() / 1000) + 60)) {
  const signature = await signer.signTypedData({
    domain: replyAccessDomain(31337),
    types: REPLY_ACCESS_TYPES,
    primaryType: "ReadReply",
    message: { payer: payer as Hex, nonce, expires },
  });
  return fetch(`${payments().url}/api/payments/${nonce}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ network: NETWORK, asset: USDC, payer, expires: expires.toString(), signature }),
  });
}

describe("a paid reply kept for its payer (GET/POST /api/payments/:nonce)", () => {
  it("keeps the streamed reply by its payment and gives it back to the payer's signature only", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { nonce, paymentId, chunks } = await paidReply(payer);
    // Stored just after the receipt went out, beside the end of the stream.
    await vi.waitFor(async () => expect(await (await getLedger()).replies().get(paymentId)).toBeDefined(), { timeout: 10_000 });

    // The ledger's word on the payment needs no proof: its nonce is on chain once settled.
    const lookUp = await fetch(`${payments().url}/api/payments/${nonce}?${new URLSearchParams({ network: NETWORK, asset: USDC, payer: payer.address })}`);
    expect(lookUp.status).toBe(200);
    const status = (await lookUp.json()) as KeptPayment;
    expect(status).toMatchObject({ paymentId, agentId: MARKET_AGENT, status: "settled" });
    expect(status.message).toBeUndefined();

    const res = await askReply(payer, payer.address, nonce);
    expect(res.status).toBe(200);
    const kept = (await res.json()) as KeptPayment & { message: { role: string; parts: Array<{ type: string; text?: string; data?: { paymentId?: string } }> } };
    expect(kept.status).toBe("settled");
    expect(kept.message.role).toBe("assistant");
    const text = kept.message.parts.filter((p) => p.type === "text").map((p) => p.text).join("");
    const streamed = chunks.filter((c) => c.type === "text-delta").map((c) => c.delta).join("");
    expect(text).toBe(streamed);
    expect(text).toContain("3,000");
    expect(kept.message.parts.some((p) => p.type === "tool-getPrice")).toBe(true);
    expect(kept.message.parts.find((p) => p.type === "data-receipt")?.data?.paymentId).toBe(paymentId);
  });

  it("stores the reply as its chunks, each part's deltas joined, and still reads a reply stored as a message", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { nonce, paymentId, chunks } = await paidReply(payer);
    const ledger = await getLedger();
    await vi.waitFor(async () => expect(await ledger.replies().get(paymentId)).toBeDefined(), { timeout: 10_000 });
    // Cheap to write: the chunks as they went out, not a message rebuilt for every reply.
    const stored = JSON.parse((await ledger.replies().get(paymentId))!) as Array<{ type: string; id?: string; delta?: string }>;
    expect(Array.isArray(stored)).toBe(true);
    const textIds = new Set(chunks.filter((c) => c.type === "text-delta").map((c) => c.id));
    expect(chunks.filter((c) => c.type === "text-delta").length).toBeGreaterThan(textIds.size);
    expect(stored.filter((c) => c.type === "text-delta")).toHaveLength(textIds.size);
    expect(stored.at(-1)?.type).toBe("data-receipt");

    // A reply kept by an earlier version, as the message itself, is given back as it was.
    const message = { id: "m1", role: "assistant", parts: [{ type: "text", text: "kept before" }] };
    await ledger.replies().keep(paymentId, JSON.stringify(message));
    const res = await askReply(payer, payer.address, nonce);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { message: unknown }).message).toEqual(message);
  });

  it("refuses anyone but the payer, a stale or far-off expiry, and payments it does not have", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { nonce, paymentId } = await paidReply(payer);
    await vi.waitFor(async () => expect(await (await getLedger()).replies().get(paymentId)).toBeDefined(), { timeout: 10_000 });
    const stranger = privateKeyToAccount(generatePrivateKey());
    const now = Math.floor(Date.now() / 1000);

    const codeOf = async (res: Response) => [res.status, ((await res.json()) as { error: { code: string } }).error.code];
    // The nonce is public on chain: knowing it is not enough, the signature must be the payer's.
    expect(await codeOf(await askReply(stranger, payer.address, nonce))).toEqual([403, "reply_access_denied"]);
    expect(await codeOf(await askReply(payer, payer.address, nonce, BigInt(now - 1)))).toEqual([403, "reply_access_denied"]);
    expect(await codeOf(await askReply(payer, payer.address, nonce, BigInt(now + 3_600)))).toEqual([403, "reply_access_denied"]);
    // The stranger's own signature over a payment that is not theirs finds nothing.
    expect(await codeOf(await askReply(stranger, stranger.address, nonce))).toEqual([404, "unknown_payment"]);
    const unknown = `0x${"ab".repeat(32)}` as Hex;
    expect(await codeOf(await askReply(payer, payer.address, unknown))).toEqual([404, "unknown_payment"]);
  });
});
