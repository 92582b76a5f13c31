import { createPublicClient, http, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it, vi } from "vitest";
import { GET, POST } from "@/app/api/payments/[nonce]/route";
import { serveRoutes } from "@/lib/devtools/route-server";
import { getLedger } from "@/lib/ledger";
import { closeEntry, openEntry, readJournal, type JournalEntry } from "@/lib/x402/payer/journal";
import { resolveEntry } from "@/lib/x402/payer/journal-resolve";
import { appJournalServer } from "@/lib/x402/payer/journal-server";
import type { SignedAuthorization } from "@/lib/x402/shared/receipt";
import { fixture } from "../support/fixtures";
import { readUIChunks } from "../support/ui-stream";
import { MARKET_AGENT, USDC, fundedPayer, paidStackFixture, signProofFor } from "../x402/support";

const stack = paidStackFixture();
const payments = fixture(
  () =>
    serveRoutes([
      { method: "GET", path: "/api/payments/:nonce", handle: (req, p) => GET(req, { params: Promise.resolve({ nonce: p.nonce! }) }) },
      { method: "POST", path: "/api/payments/:nonce", handle: (req, p) => POST(req, { params: Promise.resolve({ nonce: p.nonce! }) }) },
    ]),
  (server) => server.close(),
);
const chatUrl = () => `${stack.url}/api/x402/${MARKET_AGENT}/chat`;
const chainReader = () => createPublicClient({ transport: http(stack.anvil.rpcUrl) });

function memoryStorage() {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
}

/** A journal entry for a proof signed for the market agent, as the paying fetch writes it before sending. */
async function signedEntry(account: ReturnType<typeof privateKeyToAccount>) {
  const fromBlock = await chainReader().getBlockNumber();
  const proof = await signProofFor(account, chatUrl());
  const a = (proof.payload.payload as { authorization: Record<string, string> }).authorization;
  const authorization: SignedAuthorization = { chainId: 31337, asset: USDC, payer: a.from!, payTo: a.to!, value: a.value!, nonce: a.nonce!, validBefore: a.validBefore!, fromBlock: fromBlock.toString() };
  const entry: JournalEntry = {
    nonce: a.nonce!,
    chainId: 31337,
    authorization,
    agentId: MARKET_AGENT,
    agentName: "Market Analyst",
    ownServer: true,
    conversationId: "c1",
    messageId: "m1",
    time: new Date().toISOString(),
  };
  return { entry, header: proof.header };
}

describe("the payment journal", () => {
  it("keeps entries per network until closed, and reads damaged storage as empty", () => {
    const storage = memoryStorage();
    const entry = { nonce: "0x01", chainId: 31337, messageId: "m", authorization: { nonce: "0x01" } } as unknown as JournalEntry;
    openEntry(storage, entry);
    openEntry(storage, { ...entry, nonce: "0x02", authorization: { ...entry.authorization, nonce: "0x02" } });
    expect(readJournal(storage, 31337).map((e) => e.nonce)).toEqual(["0x01", "0x02"]);
    expect(readJournal(storage, 84532)).toEqual([]);
    closeEntry(storage, 31337, "0x01");
    expect(readJournal(storage, 31337).map((e) => e.nonce)).toEqual(["0x02"]);
    storage.setItem("x402chat:journal:v1:31337", "{not json");
    expect(readJournal(storage, 31337)).toEqual([]);
  });

  it("resolves a payment whose reply the page never got: settled on chain, and the reply back for the payer's key", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { entry, header } = await signedEntry(payer);
    // The page sent it and died: the agent answered and settled, nobody read the answer.
    const res = await fetch(chatUrl(), { method: "POST", headers: { "PAYMENT-SIGNATURE": header }, body: JSON.stringify({ messages: [{ role: "user", content: "What is the current price of ETH?" }] }) });
    const chunks = await readUIChunks(res);
    const claimed = chunks.find((c) => c.type === "data-receipt")?.data as { paymentId: string; transaction: Hex };
    await vi.waitFor(async () => expect(await (await getLedger()).replies().get(claimed.paymentId)).toBeDefined(), { timeout: 10_000 });

    // Locked wallet: the outcome is recorded, the entry stays open for the reply.
    const locked = await resolveEntry(entry, chainReader(), appJournalServer(() => null, payments().url));
    expect(locked.record).toMatchObject({ id: entry.nonce, status: "settled", transaction: claimed.transaction, amount: "10000", resolved: true });
    expect(locked).toMatchObject({ reply: null, done: false });

    // Another key is not the payer's: still no reply.
    const stranger = privateKeyToAccount(generatePrivateKey());
    expect(await resolveEntry(entry, chainReader(), appJournalServer(() => stranger, payments().url))).toMatchObject({ reply: null, done: false });

    const unlocked = await resolveEntry(entry, chainReader(), appJournalServer(() => payer, payments().url));
    expect(unlocked.done).toBe(true);
    const text = unlocked.reply!.parts.map((p) => (p.type === "text" ? p.text : "")).join("");
    expect(text).toContain("3,000");
    // Its receipt is the browser's own check on chain, with what this browser signed.
    const receipt = unlocked.reply!.parts.find((p) => p.type === "data-receipt")!.data;
    expect(receipt).toMatchObject({ success: true, transaction: claimed.transaction, amount: "10000", authorization: entry.authorization });
  });

  it("resolves a payment that never reached the agent as not charged, and keeps checking the chain", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { entry } = await signedEntry(payer);
    const outcome = await resolveEntry(entry, chainReader(), appJournalServer(() => payer, payments().url));
    expect(outcome.record).toMatchObject({ status: "failed", error: "the payment never reached the agent; not charged" });
    expect(outcome.record.resolved).toBeUndefined(); // the history looks again until the authorization expires
    expect(outcome).toMatchObject({ reply: null, done: true });
  });

  it("resolves a pasted agent's payment from the chain alone", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const { entry } = await signedEntry(payer);
    const outcome = await resolveEntry({ ...entry, ownServer: false }, chainReader(), null);
    expect(outcome.record).toMatchObject({ status: "unconfirmed" });
    expect(outcome.done).toBe(true);
  });
});
