import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startAppProcess } from "../lib/devtools/app-process";

/**
 * Starts the app the way the README's start command does, on free loopback
 * ports with a throwaway data folder, and stops it after the run.
 */
export default async function globalSetup() {
  if (process.env.E2E_BASE_URL) return; // an app started by hand

  const dataDir = mkdtempSync(path.join(tmpdir(), "x402chat-e2e-"));
  // Shown as usual, and also kept in a file: the security spec reads every line the app logged.
  const logPath = process.env.E2E_APP_LOG ?? path.join(dataDir, "app.log");
  const log = createWriteStream(logPath);
  const app = await startAppProcess({
    dataDir,
    // Every spec funds its wallets with the faucet button: more than the default 5 a minute in one run.
    // DeFiLlama at a closed loopback port: unreachable whatever network the run has, so its failure is tested.
    env: { FAUCET_MINTS_PER_MINUTE: "1000", DEFILLAMA_BASE_URL: "http://127.0.0.1:9", DEFILLAMA_COINS_URL: "http://127.0.0.1:9" },
    output: (chunk, stream) => {
      (stream === "stdout" ? process.stdout : process.stderr).write(chunk);
      log.write(chunk);
    },
  });

  process.env.E2E_BASE_URL = app.baseUrl;
  process.env.E2E_APP_LOG = logPath;
  process.env.E2E_ANVIL_RPC_URL = app.rpcUrl;

  return async () => {
    await app.stop();
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
