import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { count, is, sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite, PgliteDatabase } from "drizzle-orm/pglite";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { pgSchema, serial } from "drizzle-orm/pg-core";
import pg from "pg";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openLedgerDb, type LedgerDb, type OpenedLedgerDb, type OpenLedgerDbOptions } from "@/lib/ledger/db";
import { Ledger, type NewPayment, type NewUsage, type Payment } from "@/lib/ledger/ledger";
import { payments } from "@/lib/ledger/schema";
import { startPostgres, type TestPostgres } from "@/test/support/postgres";

const PAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const PAY_TO = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const ASSET = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const UINT256_MAX = (2n ** 256n - 1n).toString();

const newNonce = () => `0x${randomBytes(32).toString("hex")}`;
const upperHex = (hex: string) => `0x${hex.slice(2).toUpperCase()}`;
const ids = (list: Payment[]) => list.map((p) => p.id);

function newPayment(overrides: Partial<NewPayment> = {}): NewPayment {
  return {
    agentId: "echo",
    payer: PAYER,
    payTo: PAY_TO,
    asset: ASSET,
    network: "eip155:31337",
    amount: "10000",
    nonce: newNonce(),
    validBefore: "1900000000",
    x402Version: 2,
    resource: "http://localhost:3000/api/agents/echo",
    ...overrides,
  };
}

/** A store the ledger can open: a database that starts empty, and the cleanup of what it left behind. */
interface Backend {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A new, empty database; `persistent` asks PGlite for a folder on disk instead of memory. */
  newDatabase(opts?: { persistent?: boolean }): Promise<OpenLedgerDbOptions>;
}

function pgliteBackend(): Backend {
  const folders: string[] = [];
  return {
    name: "PGlite",
    start: async () => undefined,
    stop: async () => {
      await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
    },
    newDatabase: async ({ persistent = false } = {}) => {
      if (!persistent) return { dataDir: "memory://" };
      const folder = await mkdtemp(path.join(os.tmpdir(), "x402-ledger-"));
      folders.push(folder);
      return { dataDir: folder };
    },
  };
}

function postgresBackend(): Backend {
  let server: TestPostgres | undefined;
  let databases = 0;
  const running = () => {
    if (!server) throw new Error("postgres backend not started");
    return server;
  };
  return {
    name: "PostgreSQL",
    start: async () => {
      server = await startPostgres();
    },
    stop: async () => {
      await server?.stop();
    },
    newDatabase: async () => {
      const name = `ledger_${++databases}`;
      const admin = new pg.Client(running().url);
      await admin.connect();
      try {
        await admin.query(`create database ${name}`);
      } finally {
        await admin.end();
      }
      const url = new URL(running().url);
      url.pathname = `/${name}`;
      return { databaseUrl: url.toString() };
    },
  };
}

/** Moves a row's timestamps into the past, so order and age tests need no waiting. */
async function backdate(db: LedgerDb, id: string, minutes: number): Promise<void> {
  await db.execute(
    sql`update ${payments} set created_at = now() - ${minutes} * interval '1 minute',
        updated_at = now() - ${minutes} * interval '1 minute' where id = ${id}`,
  );
}

/** Drizzle's own record of applied migrations. */
const appliedMigrations = pgSchema("drizzle").table("__drizzle_migrations", { id: serial("id") });

const committedMigrations = readMigrationFiles({
  migrationsFolder: path.join(process.cwd(), "lib/ledger/migrations"),
}).length;

async function countAppliedMigrations(db: LedgerDb): Promise<number> {
  const [row] = await db.select({ n: count() }).from(appliedMigrations);
  return row?.n ?? 0;
}

function newUsage(overrides: Partial<NewUsage> = {}): NewUsage {
  return {
    paymentId: null,
    agentId: "echo",
    model: "offline",
    inputTokens: 1,
    outputTokens: 1,
    toolCalls: 0,
    latencyMs: 120,
    firstTokenMs: 15,
    price: "10000",
    ...overrides,
  };
}

async function claimNew(ledger: Ledger, overrides: Partial<NewPayment> = {}): Promise<Payment> {
  const result = await ledger.claimPayment(newPayment(overrides));
  if (!result.claimed) throw new Error("expected a fresh claim");
  return result.payment;
}

async function settle(ledger: Ledger, id: string, txHash = "0x01"): Promise<void> {
  await ledger.markSettling(id);
  if (!(await ledger.markSettled(id, { txHash })).moved) throw new Error("expected to settle");
}

describe.each([pgliteBackend(), postgresBackend()])("ledger on $name", (backend) => {
  let opened: OpenedLedgerDb;
  let ledger: Ledger;

  beforeAll(async () => {
    await backend.start();
    opened = await openLedgerDb(await backend.newDatabase());
    ledger = new Ledger(opened.db);
  });

  afterAll(async () => {
    await opened?.close();
    await backend.stop();
  });

  beforeEach(async () => {
    await opened.db.execute(sql`truncate usage, replies, payments`);
  });

  describe("claimPayment", () => {
    it("claims an authorization once and returns the existing row on the second claim", async () => {
      const p = newPayment({ amount: UINT256_MAX, validBefore: UINT256_MAX });
      const first = await ledger.claimPayment(p);
      expect(first.claimed).toBe(true);
      if (!first.claimed) return;
      expect(first.payment).toMatchObject({
        status: "verified",
        amount: UINT256_MAX,
        validBefore: UINT256_MAX,
        payer: PAYER.toLowerCase(),
        payTo: PAY_TO.toLowerCase(),
        asset: ASSET.toLowerCase(),
        txHash: null,
        settledAt: null,
      });
      expect(first.payment.createdAt).toBeInstanceOf(Date);

      const second = await ledger.claimPayment({ ...p, agentId: "someone-else", amount: "1" });
      expect(second).toEqual({ claimed: false, existing: first.payment });
    });

    it("lets exactly one of 20 concurrent claims of the same authorization win", async () => {
      const p = newPayment();
      const results = await Promise.all(Array.from({ length: 20 }, () => ledger.claimPayment(p)));
      const winners = results.filter((r) => r.claimed);
      expect(winners).toHaveLength(1);
      const winner = winners[0];
      if (!winner?.claimed) return;
      for (const r of results) {
        if (!r.claimed) expect("existing" in r && r.existing.id).toBe(winner.payment.id);
      }
      expect(await ledger.listPayments()).toHaveLength(1);
    });

    it("treats addresses and nonces case-insensitively", async () => {
      const nonce = `0x${"aB".repeat(32)}`;
      const mixed = newPayment({ nonce, payer: PAYER, asset: ASSET });
      expect((await ledger.claimPayment(mixed)).claimed).toBe(true);

      const lower = {
        ...mixed,
        nonce: nonce.toLowerCase(),
        payer: PAYER.toLowerCase(),
        asset: ASSET.toLowerCase(),
      };
      const upper = { ...mixed, nonce: upperHex(nonce), payer: upperHex(PAYER), asset: upperHex(ASSET) };
      expect((await ledger.claimPayment(lower)).claimed).toBe(false);
      expect((await ledger.claimPayment(upper)).claimed).toBe(false);
      expect((await ledger.findPaymentByNonce(upper))?.nonce).toBe(nonce.toLowerCase());

      // The same nonce on another network or from another payer is another authorization.
      expect((await ledger.claimPayment({ ...mixed, network: "eip155:84532" })).claimed).toBe(true);
      expect((await ledger.claimPayment({ ...mixed, payer: PAY_TO })).claimed).toBe(true);
    });
  });

  describe("claimPayment with the payer's balance (reservation)", () => {
    const funds = (balance: bigint, readAt = new Date()) => ({ balance, readAt });

    /** The same database through a drizzle that logs every statement it sends, begin and commit included. */
    function countingLedger() {
      const statements: string[] = [];
      const logger = { logQuery: (query: string) => void statements.push(query) };
      let transactions = 0;
      let db: unknown;
      let restore = () => undefined as void;
      if (is(opened.db, PgliteDatabase)) {
        // PGlite sends a transaction's begin and commit itself, past drizzle's logger: counted here.
        const client = (opened.db as unknown as { $client: PGlite }).$client;
        const transaction = client.transaction;
        client.transaction = (async (fn: Parameters<PGlite["transaction"]>[0]) => {
          transactions += 1;
          statements.push("begin");
          try {
            return await transaction.call(client, fn);
          } finally {
            statements.push("commit");
          }
        }) as PGlite["transaction"];
        restore = () => void (client.transaction = transaction);
        db = drizzlePglite({ client, logger });
      } else {
        // node-postgres's drizzle logs begin and commit itself.
        db = drizzlePg({ client: (opened.db as unknown as { $client: pg.Pool }).$client, logger });
      }
      return { ledger: new Ledger(db as LedgerDb), statements, transactions: () => transactions, restore };
    }

    it("claims in one statement on PGlite, outside any transaction; on Postgres its payer lock and that statement", async () => {
      const counting = countingLedger();
      const claim = await counting.ledger.claimPayment(newPayment(), funds(10_000n)).finally(counting.restore);
      expect(claim.claimed).toBe(true);
      const { statements } = counting;
      expect(statements, statements.join("\n")).toHaveLength(backend.name === "PGlite" ? 1 : 4);
      expect(counting.transactions()).toBe(0);
      // The row the one statement returns is the row as the ledger reads it.
      if (claim.claimed) expect(claim.payment).toEqual(await ledger.getPayment(claim.payment.id));
    });

    it("costs an exact message 4 statements on PGlite, 7 on Postgres: claim, settling, settled, usage with the kept reply", async () => {
      const counting = countingLedger();
      try {
        const claim = await counting.ledger.claimPayment(newPayment(), funds(10_000n));
        if (!claim.claimed) throw new Error("not claimed");
        const id = claim.payment.id;
        expect((await counting.ledger.markSettling(id)).moved).toBe(true);
        expect((await counting.ledger.markSettled(id, { txHash: `0x${"ab".repeat(32)}` })).moved).toBe(true);
        counting.ledger.replies().prune = () => Promise.resolve(0); // once a minute, not per message
        await counting.ledger.replies().keep(id, "[]", newUsage({ paymentId: id }));
      } finally {
        counting.restore();
      }
      const { statements } = counting;
      expect(statements, statements.join("\n")).toHaveLength(backend.name === "PGlite" ? 4 : 7);
      // The one statement wrote both rows.
      expect(await ledger.usageSummary()).toMatchObject([{ agentId: "echo", messages: 1, revenue: "10000" }]);
    });

    it("claims 20 concurrent authorizations against one price of balance exactly once", async () => {
      const claims = await Promise.all(Array.from({ length: 20 }, () => ledger.claimPayment(newPayment(), funds(10_000n))));
      expect(claims.filter((c) => c.claimed)).toHaveLength(1);
      for (const c of claims) if (!c.claimed) expect(c).toEqual({ claimed: false, insufficient: { balance: "10000", reserved: "10000" } });
    });

    it("frees the reservation when a payment is voided or fails for good, and keeps it while a failure may be retried", async () => {
      const first = await ledger.claimPayment(newPayment(), funds(10_000n));
      if (!first.claimed) throw new Error("first claim refused");
      expect((await ledger.claimPayment(newPayment(), funds(10_000n))).claimed).toBe(false);

      await ledger.markSettling(first.payment.id);
      await ledger.markFailed(first.payment.id, "rpc down", { retryable: true });
      expect((await ledger.claimPayment(newPayment(), funds(10_000n))).claimed).toBe(false);

      await ledger.markSettling(first.payment.id);
      await ledger.markFailed(first.payment.id, "expired");
      const second = await ledger.claimPayment(newPayment(), funds(10_000n));
      expect(second.claimed).toBe(true);
      if (!second.claimed) return;
      await ledger.markVoided(second.payment.id, "the client disconnected before the reply");
      expect((await ledger.claimPayment(newPayment(), funds(10_000n))).claimed).toBe(true);
    });

    it("counts a payment settled after the balance was read, and not one settled well before", async () => {
      const readBefore = new Date(Date.now() - 60_000);
      const first = await ledger.claimPayment(newPayment(), funds(20_000n));
      if (!first.claimed) throw new Error("first claim refused");
      await ledger.markSettling(first.payment.id);
      await ledger.markSettled(first.payment.id, { txHash: `0x${"1".repeat(64)}` });
      // A balance read now already has the transfer deducted: the settled payment reserves nothing.
      expect((await ledger.claimPayment(newPayment({ nonce: newNonce() }), funds(10_000n, new Date(Date.now() + 10_000)))).claimed).toBe(true);
      // A read sent before the settlement may still include the transferred amount: it stays reserved.
      const stale = await ledger.claimPayment(newPayment(), funds(20_000n, readBefore));
      expect(stale).toMatchObject({ claimed: false });
    });

    it("still reports a replayed authorization as used, not as a lack of funds", async () => {
      const p = newPayment();
      const first = await ledger.claimPayment(p, funds(10_000n));
      if (!first.claimed) throw new Error("first claim refused");
      expect(await ledger.claimPayment(p, funds(10_000n))).toEqual({ claimed: false, existing: first.payment });
    });

    it("keeps payers and tokens apart", async () => {
      expect((await ledger.claimPayment(newPayment(), funds(10_000n))).claimed).toBe(true);
      expect((await ledger.claimPayment(newPayment({ payer: PAY_TO }), funds(10_000n))).claimed).toBe(true);
      expect((await ledger.claimPayment(newPayment({ asset: PAY_TO }), funds(10_000n))).claimed).toBe(true);
    });
  });

  describe("state machine", () => {
    it("settles verified → settling → settled, and a settled payment never moves again", async () => {
      const p = await claimNew(ledger);
      expect((await ledger.markSettled(p.id, { txHash: "0x01" })).moved).toBe(false); // not settling yet

      const settling = await ledger.markSettling(p.id);
      expect(settling).toMatchObject({ moved: true, payment: { status: "settling" } });

      const txHash = `0x${"1f".repeat(32)}`;
      const settled = await ledger.markSettled(p.id, { txHash, payer: upperHex(PAYER) });
      expect(settled).toMatchObject({
        moved: true,
        payment: { status: "settled", txHash, payer: PAYER.toLowerCase() },
      });
      if (!settled.moved) return;
      expect(settled.payment.settledAt).toBeInstanceOf(Date);
      expect(settled.payment.updatedAt.getTime()).toBeGreaterThanOrEqual(p.updatedAt.getTime());

      for (const attempt of [
        ledger.markSettling(p.id),
        ledger.markFailed(p.id, "late"),
        ledger.markVoided(p.id, "late"),
        ledger.markSettled(p.id, { txHash: "0x02" }),
      ]) {
        expect(await attempt).toMatchObject({ moved: false, current: { status: "settled", txHash } });
      }
    });

    it("voids only a verified payment, and a voided payment cannot be settled", async () => {
      const p = await claimNew(ledger);
      expect(await ledger.markVoided(p.id, "model crashed")).toMatchObject({
        moved: true,
        payment: { status: "voided", error: "model crashed" },
      });
      expect(await ledger.markSettling(p.id)).toMatchObject({ moved: false, current: { status: "voided" } });
      expect((await ledger.markSettled(p.id, { txHash: "0x01" })).moved).toBe(false);

      const settling = await claimNew(ledger);
      await ledger.markSettling(settling.id);
      expect((await ledger.markVoided(settling.id, "too late")).moved).toBe(false);
    });

    it("retries a failed settlement: failed → settling → settled", async () => {
      const p = await claimNew(ledger);
      expect((await ledger.markFailed(p.id, "rpc down")).moved).toBe(false); // verified cannot fail
      await ledger.markSettling(p.id);
      expect(await ledger.markFailed(p.id, "rpc down")).toMatchObject({
        moved: true,
        payment: { status: "failed", error: "rpc down" },
      });
      expect((await ledger.markSettled(p.id, { txHash: "0x01" })).moved).toBe(false);
      expect((await ledger.markVoided(p.id, "no")).moved).toBe(false);

      expect(await ledger.markSettling(p.id)).toMatchObject({
        moved: true,
        payment: { status: "settling", error: null },
      });
      expect((await ledger.markSettled(p.id, { txHash: "0x03" })).moved).toBe(true);
    });

    it("lets exactly one of two concurrent markSettling calls move", async () => {
      const p = await claimNew(ledger);
      const results = await Promise.all([ledger.markSettling(p.id), ledger.markSettling(p.id)]);
      expect(results.filter((r) => r.moved)).toHaveLength(1);
      expect((await ledger.getPayment(p.id))?.status).toBe("settling");
    });

    it("reports an unknown or malformed id as not moved and not found", async () => {
      for (const id of [randomUUID(), "not-a-uuid"]) {
        expect(await ledger.markSettling(id)).toEqual({ moved: false, current: undefined });
        expect(await ledger.getPayment(id)).toBeUndefined();
      }
    });
  });

  describe("queries", () => {
    it("lists payments newest first, with filters", async () => {
      const other = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
      const oldest = await claimNew(ledger, { agentId: "echo" });
      const middle = await claimNew(ledger, { agentId: "weather", payer: other });
      const newest = await claimNew(ledger, { agentId: "echo" });
      await backdate(opened.db, oldest.id, 30);
      await backdate(opened.db, middle.id, 20);
      await backdate(opened.db, newest.id, 10);
      await ledger.markSettling(middle.id);

      expect(ids(await ledger.listPayments())).toEqual([newest.id, middle.id, oldest.id]);
      expect(ids(await ledger.listPayments({ agentId: "echo" }))).toEqual([newest.id, oldest.id]);
      expect(ids(await ledger.listPayments({ payer: upperHex(other) }))).toEqual([middle.id]);
      expect(ids(await ledger.listPayments({ status: "settling" }))).toEqual([middle.id]);
      expect(ids(await ledger.listPayments({ agentId: "echo", status: "settling" }))).toEqual([]);
      expect(ids(await ledger.listPayments({ limit: 2 }))).toEqual([newest.id, middle.id]);
    });

    it("caps the list at 100 by default and 1000 at most", async () => {
      await opened.db.insert(payments).values(Array.from({ length: 1001 }, () => newPayment()));
      expect(await ledger.listPayments()).toHaveLength(100);
      expect(await ledger.listPayments({ limit: 5000 })).toHaveLength(1000);
      expect(await ledger.listPayments({ limit: 0 })).toHaveLength(1);
    });

    it("lists unfinished payments (verified, settling) oldest first, optionally by age", async () => {
      const verified = await claimNew(ledger);
      const settling = await claimNew(ledger);
      await ledger.markSettling(settling.id);
      const settled = await claimNew(ledger);
      await settle(ledger, settled.id);
      const failed = await claimNew(ledger);
      await ledger.markSettling(failed.id);
      await ledger.markFailed(failed.id, "reverted");
      const voided = await claimNew(ledger);
      await ledger.markVoided(voided.id, "no output");
      await backdate(opened.db, settling.id, 60);
      for (const p of [settled, failed, voided]) await backdate(opened.db, p.id, 90);

      expect(ids(await ledger.listUnfinishedPayments())).toEqual([settling.id, verified.id]);
      expect(ids(await ledger.listUnfinishedPayments({ olderThanMs: 5 * 60_000 }))).toEqual([settling.id]);
      expect(ids(await ledger.listUnfinishedPayments({ olderThanMs: 2 * 60 * 60_000 }))).toEqual([]);
    });

    it("records usage and sums it per agent, counting revenue from settled payments only", async () => {
      const big = "9007199254740993"; // 2^53 + 1: a float sum would lose the last digit
      const paid = [await claimNew(ledger, { amount: big }), await claimNew(ledger, { amount: big })];
      for (const p of paid) await settle(ledger, p.id);
      const unsettled = await claimNew(ledger, { amount: "5" });
      const voided = await claimNew(ledger, { agentId: "weather", amount: "7" });
      await ledger.markVoided(voided.id, "crash");
      await settle(ledger, (await claimNew(ledger, { agentId: "weather", amount: "3" })).id);

      const recorded = await ledger.recordUsage(
        newUsage({ paymentId: paid[0]?.id, price: big, inputTokens: 10, outputTokens: 20, toolCalls: 1 }),
      );
      expect(recorded).toMatchObject({ agentId: "echo", price: big, paymentId: paid[0]?.id });
      expect(recorded.id).toMatch(/^[0-9a-f-]{36}$/);
      await ledger.recordUsage(
        newUsage({ paymentId: paid[1]?.id, inputTokens: 5, outputTokens: 7, toolCalls: 2 }),
      );
      await ledger.recordUsage(newUsage({ paymentId: unsettled.id }));
      await ledger.recordUsage(newUsage({ agentId: "free", firstTokenMs: null, price: "0", inputTokens: 3 }));

      const totals = { messages: 0, inputTokens: 0, outputTokens: 0, toolCalls: 0, revenue: "0" };
      const echo = {
        ...totals,
        agentId: "echo",
        messages: 3,
        inputTokens: 16,
        outputTokens: 28,
        toolCalls: 3,
        revenue: "18014398509481986",
      };
      const free = { ...totals, agentId: "free", messages: 1, inputTokens: 3, outputTokens: 1 };
      // weather was paid and settled once but has no usage rows: it still shows its revenue.
      const weather = { ...totals, agentId: "weather", revenue: "3" };
      expect(await ledger.usageSummary()).toEqual([echo, free, weather]);
      expect(await ledger.usageSummary({ agentId: "echo" })).toEqual([echo]);
      expect(await ledger.usageSummary({ agentId: "nobody" })).toEqual([]);
    });

    it("rejects usage that points at a payment that does not exist", async () => {
      await expect(ledger.recordUsage(newUsage({ paymentId: randomUUID() }))).rejects.toThrow();
    });
  });

  it("migrates once: reopening the same database keeps its data", async () => {
    const store = await backend.newDatabase({ persistent: true });
    const first = await openLedgerDb(store);
    const claimed = await claimNew(new Ledger(first.db));
    await first.close();

    const second = await openLedgerDb(store);
    try {
      expect(await new Ledger(second.db).getPayment(claimed.id)).toEqual(claimed);
      expect(await countAppliedMigrations(second.db)).toBe(committedMigrations);
    } finally {
      await second.close();
    }
  });
});

// Two pools stand for two server processes sharing one database.
describe("ledger on PostgreSQL across processes", () => {
  const backend = postgresBackend();
  let first: OpenedLedgerDb;
  let second: OpenedLedgerDb;

  beforeAll(async () => {
    await backend.start();
    const store = await backend.newDatabase();
    // Both start at once on an empty database: the migration lock must let both succeed.
    [first, second] = await Promise.all([openLedgerDb(store), openLedgerDb(store)]);
  });

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await backend.stop();
  });

  it("applied the migrations once", async () => {
    expect(await countAppliedMigrations(first.db)).toBe(committedMigrations);
  });

  it("lets exactly one process claim an authorization and one settle it", async () => {
    const ledgers = [new Ledger(first.db), new Ledger(second.db)];
    const p = newPayment();
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ledgers[i % 2]!.claimPayment(p)),
    );
    const winners = claims.filter((c) => c.claimed);
    expect(winners).toHaveLength(1);
    const winner = winners[0];
    if (!winner?.claimed) return;

    const settles = await Promise.all(ledgers.map((l) => l.markSettling(winner.payment.id)));
    expect(settles.filter((s) => s.moved)).toHaveLength(1);
  });

  it("reserves one payer's balance across processes: 20 authorizations against one price, one claim", async () => {
    const ledgers = [new Ledger(first.db), new Ledger(second.db)];
    const payer = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ledgers[i % 2]!.claimPayment(newPayment({ payer }), { balance: 10_000n, readAt: new Date() })),
    );
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
  });
});
