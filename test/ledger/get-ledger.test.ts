import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { getLedger } from "@/lib/ledger";

const dataDir = await mkdtemp(path.join(os.tmpdir(), "x402-ledger-env-"));

afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(dataDir, { recursive: true, force: true });
});

it("opens one ledger per process from the environment, and tries again after a failure", async () => {
  // Nothing listens on port 1: the first open fails at once.
  vi.stubEnv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/ledger");
  await expect(getLedger()).rejects.toThrow();

  vi.stubEnv("DATABASE_URL", undefined);
  vi.stubEnv("DATA_DIR", dataDir);
  const first = getLedger();
  expect(getLedger()).toBe(first);
  const ledger = await first;
  expect(existsSync(path.join(dataDir, "ledger", "PG_VERSION"))).toBe(true);
  expect(await ledger.listPayments()).toEqual([]);
});
