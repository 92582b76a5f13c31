/**
 * Runs the whole app as `npm start` does, in a child process on free loopback
 * ports, for tests and load runs; waits until it answers and stops it cleanly.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { pickFreePort } from "../devchain/anvil";

const READY_TIMEOUT_MS = 8 * 60_000; // includes a production build on a fresh clone
const POLL_MS = 250;

export interface AppProcess {
  baseUrl: string;
  /** The local chain the app uses: the one given, or the anvil it started. */
  rpcUrl: string;
  stop(): Promise<void>;
}

export async function startAppProcess(opts: {
  dataDir: string;
  /** Use this chain instead of letting the app start its own anvil. */
  rpcUrl?: string;
  env?: Record<string, string>;
  /** Where the app's output goes: this process's own (default), nowhere, or to a function. */
  output?: "inherit" | "ignore" | ((chunk: Buffer, stream: "stdout" | "stderr") => void);
}): Promise<AppProcess> {
  const root = path.resolve(import.meta.dirname, "../..");
  const port = await pickFreePort();
  const anvilPort = await pickFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // node --import tsx, not the tsx runner, which may SIGKILL start.ts before it stops what it started.
  const app = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: root,
    env: {
      ...process.env,
      ...opts.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      ANVIL_PORT: String(anvilPort),
      DATA_DIR: opts.dataDir,
      ...(opts.rpcUrl && { LOCAL_RPC_URL: opts.rpcUrl }),
    },
    stdio: ["ignore", typeof opts.output === "function" ? "pipe" : (opts.output ?? "inherit"), typeof opts.output === "function" ? "pipe" : (opts.output ?? "inherit")],
  });
  if (typeof opts.output === "function") {
    const sink = opts.output;
    app.stdout!.on("data", (chunk: Buffer) => sink(chunk, "stdout"));
    app.stderr!.on("data", (chunk: Buffer) => sink(chunk, "stderr"));
  }
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
    await new Promise((r) => setTimeout(r, POLL_MS)); // between readiness probes, not instead of one
  }

  return {
    baseUrl,
    rpcUrl: opts.rpcUrl ?? `http://127.0.0.1:${anvilPort}`,
    async stop() {
      app.kill("SIGTERM");
      await exited;
    },
  };
}
