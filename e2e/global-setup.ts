import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { NETWORKS } from "../lib/chains/networks";
import { ensureStandInContracts, startAnvil } from "../lib/devchain";
import { startAppProcess } from "../lib/devtools/app-process";

/** anvil's account #1 (the local facilitator's default key): set, our facilitator also serves the Base Sepolia stand-in. */
const STAND_IN_FACILITATOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

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
  // A local stand-in for Base Sepolia (the Base Sepolia agent's specs). Base itself is a closed loopback port:
  // unreachable whatever network the run has (the shell spec's unreachable network), and never the real RPC, which
  // our facilitator (FACILITATOR_PRIVATE_KEY set) and the tab claimer would otherwise call.
  const baseSepolia = await startAnvil({ port: 0, silent: true, chainId: NETWORKS["base-sepolia"].chainId });
  await ensureStandInContracts(baseSepolia.rpcUrl, "base-sepolia");
  const app = await startAppProcess({
    dataDir,
    // Every spec funds its wallets with the faucet button: more than the default 5 a minute in one run.
    // DeFiLlama at a closed loopback port: unreachable whatever network the run has, so its failure is tested.
    env: {
      FAUCET_MINTS_PER_MINUTE: "1000",
      DEFILLAMA_BASE_URL: "http://127.0.0.1:9",
      DEFILLAMA_COINS_URL: "http://127.0.0.1:9",
      BASE_SEPOLIA_RPC_URL: baseSepolia.rpcUrl,
      // Port 1, not 9: the probe refuses any chain RPC the app uses as a target, and specs probe 127.0.0.1:9 as a down agent.
      BASE_RPC_URL: "http://127.0.0.1:1",
      FACILITATOR_PRIVATE_KEY: STAND_IN_FACILITATOR_KEY,
    },
    output: (chunk, stream) => {
      (stream === "stdout" ? process.stdout : process.stderr).write(chunk);
      log.write(chunk);
    },
  });

  process.env.E2E_BASE_URL = app.baseUrl;
  process.env.E2E_APP_LOG = logPath;
  process.env.E2E_ANVIL_RPC_URL = app.rpcUrl;
  process.env.E2E_BASE_SEPOLIA_RPC_URL = baseSepolia.rpcUrl;

  return async () => {
    await app.stop();
    await baseSepolia.stop();
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
