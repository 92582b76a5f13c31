import type { PGlite } from "@electric-sql/pglite";
import { eq } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openLedgerDb, type LedgerDb, type OpenedLedgerDb } from "@/lib/ledger/db";
import { Ledger } from "@/lib/ledger/ledger";
import { replies, usage } from "@/lib/ledger/schema";
import { readUIChunks } from "../support/ui-stream";
import { MARKET_AGENT, chatBody, fundedPayer, paidStackFixture, payingFetch } from "./support";

/**
 * Every statement one exact message costs the ledger, end to end: the claim, the settlement's transitions, the
 * usage and the kept reply. On PGlite each one is a call into the WebAssembly Postgres on the app's own CPU.
 */
const stack = paidStackFixture();
const chatUrl = () => `${stack.url}/api/x402/${MARKET_AGENT}/chat`;

let opened: OpenedLedgerDb;
/** The same database, through a drizzle that does not log: for the test's own reads. */
let quiet: LedgerDb;
const statements: string[] = [];

beforeAll(async () => {
  opened = await openLedgerDb({ dataDir: "memory://" });
  const client = (opened.db as unknown as { $client: PGlite }).$client;
  // PGlite sends a transaction's begin and commit itself, past drizzle's logger.
  const transaction = client.transaction.bind(client);
  client.transaction = (async (fn: Parameters<PGlite["transaction"]>[0]) => {
    statements.push("begin");
    try {
      return await transaction(fn);
    } finally {
      statements.push("commit");
    }
  }) as PGlite["transaction"];
  const counting = drizzlePglite({ client, logger: { logQuery: (query) => void statements.push(query) } });
  quiet = drizzlePglite({ client }) as unknown as LedgerDb;
  // The app's process-wide ledger (getLedger) is this counting one.
  globalThis.x402Singletons = { ...globalThis.x402Singletons, ledger: Promise.resolve(new Ledger(counting as unknown as LedgerDb)) };
});

afterAll(async () => {
  delete globalThis.x402Singletons?.ledger;
  await opened?.close();
});

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
    expect(await quiet.select({ id: replies.paymentId }).from(replies).where(eq(replies.paymentId, receipt.paymentId))).toHaveLength(1);
    expect(await quiet.select({ id: usage.id }).from(usage).where(eq(usage.paymentId, receipt.paymentId))).toHaveLength(1);
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
