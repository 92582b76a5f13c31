import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pickFreePort } from "../scripts/devchain";

const READY_TIMEOUT_MS = 8 * 60_000; // includes a production build on a fresh clone

/**
 * Starts the app the way the README's start command does, on free loopback
 * ports with a throwaway data folder, and stops it after the run.
 */
export default async function globalSetup() {
  if (process.env.E2E_BASE_URL) return; // an app started by hand

  const root = path.resolve(import.meta.dirname, "..");
  const dataDir = mkdtempSync(path.join(tmpdir(), "x402chat-e2e-"));
  const [port, anvilPort] = [await pickFreePort(), await pickFreePort()];
  const baseUrl = `http://127.0.0.1:${port}`;

  const app = spawn(path.join(root, "node_modules", ".bin", "tsx"), ["scripts/start.ts"], {
    cwd: root,
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), ANVIL_PORT: String(anvilPort), DATA_DIR: dataDir },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<number>((resolve) => app.once("exit", (code) => resolve(code ?? 1)));

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const outcome = await Promise.race([
      exited.then((code) => ({ exited: code })),
      fetch(`${baseUrl}/api/networks/31337/status`).then(
        (res) => ({ ok: res.ok }),
        () => ({ ok: false }),
      ),
    ]);
    if ("exited" in outcome) throw new Error(`the app exited with code ${outcome.exited} before it was ready`);
    if (outcome.ok) break;
    if (Date.now() > deadline) {
      app.kill("SIGTERM");
      throw new Error(`the app did not answer on ${baseUrl} within ${READY_TIMEOUT_MS / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 250)); // poll interval between readiness probes
  }

  process.env.E2E_BASE_URL = baseUrl;
  process.env.E2E_ANVIL_RPC_URL = `http://127.0.0.1:${anvilPort}`;

  return async () => {
    app.kill("SIGTERM");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
}
