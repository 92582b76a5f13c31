/**
 * Starts the whole app on its embedded default: a local anvil chain (state kept
 * in DATA_DIR), our contracts deployed or reloaded, then Next.js on
 * http://HOST:PORT. `--dev` runs `next dev` instead of a production build.
 * Ctrl-C (or SIGTERM) stops everything this script started; a second one kills
 * what is still running at once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { ensureLocalContracts, startAnvil } from "../lib/devchain";
import { httpOrigin } from "../lib/devchain/anvil";
import { parseEnv } from "../lib/env";

const root = path.resolve(import.meta.dirname, "..");
const dev = process.argv.includes("--dev");
// Every setting is checked before anything starts: a bad one stops here, naming the variable.
const { HOST: host, PORT: port, DATA_DIR, ANVIL_PORT: anvilPort, LOCAL_RPC_URL } = parseEnv();
const dataDir = path.resolve(root, DATA_DIR);

const nextBin = path.join(root, "node_modules", ".bin", "next");
/** What this script started: how to stop it gracefully, and how to kill it at once. */
const started: Array<{ stop(): Promise<void>; kill(): void }> = [];
let stopping = false;

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Stop in reverse start order: the app first, the chain (which dumps its state) last.
  for (const child of [...started].reverse()) {
    await child.stop().catch((err) => console.error(`[start] while stopping: ${(err as Error).message}`));
  }
  process.exit(code);
}

/** A second signal while stopping: kill what is left now. Each child is SIGKILLed, so none outlives this script. */
function killAll(): never {
  console.error("[start] stopping at once: killing what is still running");
  for (const child of started) child.kill();
  process.exit(130);
}

// Run as `node --import tsx` (package.json, app-process.ts), not through the tsx runner: the runner relays
// signals and SIGKILLs this script when it is slow to acknowledge, which would orphan anvil and the server.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (stopping) killAll();
    console.log(`[start] stopping (${signal}); send it again to stop at once`);
    void stopAll(0);
  });
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(cmd, args, { cwd: root, env, stdio: "inherit" });
}

function waitForExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return waitForExit(child).then(() => clearTimeout(killer));
}

/** Stops (or kills) a child with the others, and also when this script exits any other way. */
function track(child: ChildProcess) {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", kill);
  child.once("exit", () => process.off("exit", kill));
  started.push({ stop: () => stopChild(child), kill });
}

/** Newest modification time under the inputs of a production build. */
function newestSourceMtime(): number {
  const inputs = ["app", "components", "lib", "public", "proxy.ts", "instrumentation.ts", "next.config.js", "tailwind.config.ts", "postcss.config.mjs", "package.json"];
  let newest = 0;
  const visit = (p: string) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const entry of readdirSync(p)) visit(path.join(p, entry));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const input of inputs) visit(path.join(root, input));
  return newest;
}

function buildIsFresh(): boolean {
  const buildId = path.join(root, ".next", "BUILD_ID");
  return existsSync(buildId) && statSync(buildId).mtimeMs > newestSourceMtime();
}

async function main() {
  mkdirSync(dataDir, { recursive: true });

  let rpcUrl = LOCAL_RPC_URL;
  if (rpcUrl) {
    console.log(`[start] using the local chain at ${rpcUrl} (LOCAL_RPC_URL)`);
  } else {
    const anvil = await startAnvil({
      host: "127.0.0.1",
      port: anvilPort,
      stateFile: path.join(dataDir, "anvil-state.json"),
      silent: true, // one line per RPC call would drown the app's own log
      // Only the app's own pages may call the chain from a browser (the e2e mock wallet does); not any site.
      allowOrigin: httpOrigin(host, port),
    });
    started.push({ stop: () => anvil.stop(), kill: anvil.kill });
    rpcUrl = anvil.rpcUrl;
    console.log(`[start] anvil (pid ${anvil.process.pid}) on ${rpcUrl} (state in ${path.relative(root, dataDir)}/anvil-state.json)`);
  }
  if (stopping) return;

  const deployment = await ensureLocalContracts(rpcUrl);
  if (stopping) return;
  console.log(`[start] contracts: USDC ${deployment.usdc}, ETH/USD feed ${deployment.priceFeed}`);

  const env = { ...process.env, LOCAL_RPC_URL: rpcUrl, DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1" };

  if (!dev && !buildIsFresh()) {
    console.log("[start] building the app (next build)…");
    const build = run(nextBin, ["build"], env);
    track(build);
    const code = await waitForExit(build);
    if (stopping) return;
    if (code !== 0) {
      console.error(`[start] next build failed with exit code ${code}`);
      return stopAll(code);
    }
  }

  const server = run(nextBin, [dev ? "dev" : "start", "--hostname", host, "--port", String(port)], env);
  track(server);
  console.log(`[start] x402 Chat on http://${host}:${port} (${dev ? "dev server" : "production build"}); Ctrl-C stops everything`);
  const code = await waitForExit(server);
  if (!stopping) {
    console.error(`[start] the app server exited (code ${code}); stopping the chain`);
    await stopAll(code === 0 ? 1 : code);
  }
}

main().catch(async (err) => {
  console.error(`[start] ${(err as Error).message}`);
  await stopAll(1);
});
