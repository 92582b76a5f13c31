import "server-only";

import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { env } from "../env";

/** Either backend: the ledger only uses what both drivers share. */
export type LedgerDb = PgDatabase<PgQueryResultHKT>;

export interface OpenLedgerDbOptions {
  /** Postgres connection string; defaults to env DATABASE_URL unless `dataDir` is given. */
  databaseUrl?: string;
  /** PGlite's parent folder (defaults to env DATA_DIR, else ".data"); "memory://" keeps it in memory. */
  dataDir?: string;
}

export interface OpenedLedgerDb {
  db: LedgerDb;
  close(): Promise<void>;
}

// The app always runs from the repo root (next dev/start, vitest), and a server bundle has no
// stable __dirname, so the committed migrations are found from the working directory.
const migrationsFolder = path.join(process.cwd(), "lib/ledger/migrations");

// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 402_402;

/** Opens the ledger database, Postgres or PGlite, and brings its schema up to date. */
export async function openLedgerDb(opts: OpenLedgerDbOptions = {}): Promise<OpenedLedgerDb> {
  // An explicit dataDir asks for PGlite even when the environment names a Postgres server.
  const databaseUrl =
    opts.databaseUrl ?? (opts.dataDir === undefined ? env.DATABASE_URL : undefined);
  return databaseUrl ? openPostgres(databaseUrl) : openPglite(opts.dataDir);
}

async function openPostgres(connectionString: string): Promise<OpenedLedgerDb> {
  const pool = new pg.Pool({ connectionString });
  let closed = false;
  const close = () => {
    closed = true;
    return pool.end();
  };
  // An idle client that loses its connection emits on the pool; unheard, that would crash the server.
  // pool.end() resolves before its sockets are shut, so a server stopping right after close() is no news.
  pool.on("error", (err) => {
    if (!closed) console.error("ledger: idle Postgres connection failed", err);
  });
  try {
    // Several server processes may start at once: a session lock on one connection lets
    // exactly one of them migrate while the others wait and then find nothing to do.
    const client = await pool.connect();
    try {
      await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
      await migratePg(drizzlePg({ client }), { migrationsFolder });
    } finally {
      // Discarding the connection ends its session and so releases the lock, even after an error.
      client.release(true);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { db: drizzlePg({ client: pool }), close };
}

async function openPglite(dataDir = env.DATA_DIR): Promise<OpenedLedgerDb> {
  let location = dataDir;
  if (!dataDir.startsWith("memory://")) {
    // PGlite creates its own folder but not the parents.
    await mkdir(dataDir, { recursive: true });
    location = path.join(dataDir, "ledger");
  }
  const client = await PGlite.create(location);
  const db = drizzlePglite({ client });
  try {
    await migratePglite(db, { migrationsFolder });
  } catch (err) {
    await client.close();
    throw err;
  }
  return { db, close: () => client.close() };
}
