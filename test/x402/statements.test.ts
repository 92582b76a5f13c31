import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { replies, usage } from "@/lib/ledger/schema";
import { countingLedgerFixture } from "../support/counting-ledger";
import { readUIChunks } from "../support/ui-stream";
import { MARKET_AGENT, chatBody, fundedPayer, paidStackFixture, payingFetch } from "./support";

/**
 * Every statement one exact message costs the ledger, end to end: the claim, the settlement's transitions, the
 * usage and the kept reply. On PGlite each one is a call into the WebAssembly Postgres on the app's own CPU.
 */
const stack = paidStackFixture();
const chatUrl = () => `${stack.url}/api/x402/${MARKET_AGENT}/chat`;

const counted = countingLedgerFixture();
const { statements } = counted;

/** One paid streamed message, read to its end; resolves once its usage and kept reply are written. */
async function paidMessage(): Promise<string> {
  const payer = await fundedPayer(stack.anvil.rpcUrl);
  const res = await payingFetch(payer)(chatUrl(), { method: "POST", body: chatBody("What is the current price of ETH?") });
  expect(res.status).toBe(200);
  const chunks = await readUIChunks(res);
  const receipt = chunks.find((c) => c.type === "data-receipt")?.data as { success: boolean; paymentId: string };
  expect(receipt.success).toBe(true);
  // The reply is kept beside the stream's end: wait for its row (and the usage's) before counting.
  await vi.waitFor(async () => {
    expect(await counted.quiet().select({ id: replies.paymentId }).from(replies).where(eq(replies.paymentId, receipt.paymentId))).toHaveLength(1);
    expect(await counted.quiet().select({ id: usage.id }).from(usage).where(eq(usage.paymentId, receipt.paymentId))).toHaveLength(1);
  });
  return receipt.paymentId;
}

describe("one exact message on PGlite", () => {
  it("costs the ledger 4 statements: the claim, settling, settled, then the usage with the kept reply", async () => {
    await paidMessage(); // the first also prunes old replies
    statements.length = 0;
    await paidMessage();
    expect(statements, statements.join("\n")).toHaveLength(4);
  });
});
