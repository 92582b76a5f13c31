/**
 * Starts and stops anvil, the local dev chain, from the binary that the npm package @foundry-rs/anvil
 * installs (so no Foundry toolchain is needed, and it works offline).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";

export interface AnvilOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 (the default) lets the OS pick a free one. */
  port?: number;
  /** Load the chain from this file if it exists, and save it there periodically and on exit. */
  stateFile?: string;
  /** Default 31337, anvil's own default and the id in lib/chains/local-deployment.json. */
  chainId?: number;
  /** Do not forward anvil's output (one line per RPC call) to this process's stdout/stderr. */
  silent?: boolean;
  /**
   * The one origin whose pages may call anvil from a browser (anvil's CORS `allow-origin`, `*` by default):
   * with `*` any site the user visits could read the chain and call its unlocked accounts.
   */
  allowOrigin?: string;
}

export interface StopOptions {
  /** How long anvil may take to exit after SIGTERM (it saves its state then) before SIGKILL; default 10 s. */
  graceMs?: number;
}

export interface Anvil {
  rpcUrl: string;
  port: number;
  /** SIGTERM, then wait for the exit so that anvil writes its state file; SIGKILL after the grace period. */
  stop(options?: StopOptions): Promise<void>;
  /** SIGKILL at once, for when there is no time to wait (the state file keeps what it last saved). */
  kill(): void;
  process: ChildProcess;
}

const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 10_000;
const POLL_INTERVAL_MS = 50;
/** How often anvil saves its state besides on exit: bounds what a crash (or SIGKILL) loses. */
const STATE_INTERVAL_SECONDS = 5;
/** How much of anvil's output to keep for error messages. */
const OUTPUT_TAIL_CHARS = 4_000;

/** The binary packages that @foundry-rs/anvil lists as optional dependencies, by Node's platform and arch. */
const BINARY_PACKAGES: Record<string, string> = {
  "linux-x64": "@foundry-rs/anvil-linux-amd64",
  "linux-arm64": "@foundry-rs/anvil-linux-arm64",
  "darwin-x64": "@foundry-rs/anvil-darwin-amd64",
  "darwin-arm64": "@foundry-rs/anvil-darwin-arm64",
  "win32-x64": "@foundry-rs/anvil-win32-amd64",
};

/** Path of the anvil binary. Called directly: the package's bin.mjs wrapper would be one more process. */
function anvilBinary(): string {
  const pkg = BINARY_PACKAGES[`${process.platform}-${process.arch}`];
  if (!pkg) throw new Error(`anvil has no npm build for ${process.platform}/${process.arch}`);
  const file = process.platform === "win32" ? "anvil.exe" : "anvil";
  try {
    return createRequire(import.meta.url).resolve(`${pkg}/bin/${file}`);
  } catch {
    throw new Error(`${pkg} is not installed (an optional dependency of @foundry-rs/anvil): run npm install`);
  }
}

/** A free TCP port on host, found by binding port 0 and releasing it. */
export async function pickFreePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error(`could not bind a port on ${host}`);
  return address.port;
}

export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const { host = "127.0.0.1", port = 0, stateFile, chainId = 31337, silent = false, allowOrigin } = options;
  const args = ["--host", host, "--port", String(port), "--chain-id", String(chainId)];
  if (allowOrigin) args.push("--allow-origin", allowOrigin);
  if (stateFile) {
    const file = path.resolve(stateFile);
    mkdirSync(path.dirname(file), { recursive: true });
    args.push("--state", file, "--state-interval", String(STATE_INTERVAL_SECONDS));
  }

  const child = spawn(anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  const output = captureOutput(child, silent);
  let spawnError: Error | undefined;
  child.once("error", (error) => (spawnError = error));
  // If this process exits without stop() having finished (a crashed test worker, a second Ctrl-C), anvil must
  // not outlive it. Nothing is left to wait for a SIGTERM to work (a busy or hung anvil may not act on it), so
  // SIGKILL: the state file keeps what anvil saved last (every STATE_INTERVAL_SECONDS).
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", kill);
  child.once("exit", () => process.off("exit", kill));

  const stop = (stopOptions?: StopOptions) => stopProcess(child, stopOptions?.graceMs ?? STOP_GRACE_MS);
  try {
    const boundPort = await waitUntilReady({ child, output, host, port, chainId, spawnError: () => spawnError });
    return { rpcUrl: rpcUrl(host, boundPort), port: boundPort, stop, kill, process: child };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Output {
  /** The last few thousand characters anvil wrote, for error messages. */
  tail(): string;
  /** The port anvil reported listening on, once it has. */
  listeningPort(): number | null;
}

/** Always drains both pipes (a full pipe would block anvil) and keeps what errors need. */
function captureOutput(child: ChildProcess, silent: boolean): Output {
  let tail = "";
  let port: number | null = null;
  const collect = (sink: NodeJS.WriteStream) => (chunk: Buffer) => {
    if (!silent) sink.write(chunk);
    tail = (tail + chunk.toString("utf8")).slice(-OUTPUT_TAIL_CHARS);
    if (port === null) {
      // The whole line (newline included) must be there, so a chunk cut inside the number is not misread.
      const match = /Listening on \S+:(\d+)\r?\n/.exec(tail);
      if (match) port = Number(match[1]);
    }
  };
  child.stdout?.on("data", collect(process.stdout));
  child.stderr?.on("data", collect(process.stderr));
  return { tail: () => tail.trim(), listeningPort: () => port };
}

interface ReadinessCheck {
  child: ChildProcess;
  output: Output;
  host: string;
  port: number;
  chainId: number;
  spawnError(): Error | undefined;
}

/**
 * Ready means: this very process printed that it listens (so a port held by another node is not mistaken
 * for ours), and eth_chainId answers there with the expected id.
 */
async function waitUntilReady({ child, output, host, port, chainId, spawnError }: ReadinessCheck): Promise<number> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const error = spawnError();
    if (error) throw new Error(`could not run anvil: ${error.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = output.tail();
      if (tail.includes("Address already in use")) {
        throw new Error(`anvil could not listen on ${host}:${port}: the port is already in use (another chain running?)`);
      }
      throw new Error(`anvil exited during startup (${child.exitCode ?? child.signalCode}):\n${tail}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`anvil did not answer within ${START_TIMEOUT_MS / 1000} s:\n${output.tail()}`);
    }
    const boundPort = output.listeningPort();
    if (boundPort !== null) {
      const answered = await fetchChainId(rpcUrl(host, boundPort));
      if (answered === chainId) return boundPort;
      if (answered !== null) throw new Error(`anvil answered chain id ${answered}, expected ${chainId}`);
    }
    await delay(POLL_INTERVAL_MS);
  }
}

/** The chain id at url, or null while nothing answers there yet. */
async function fetchChainId(url: string): Promise<number | null> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    const { result } = (await response.json()) as { result?: string };
    return result === undefined ? null : Number(result);
  } catch {
    return null;
  }
}

/** `http://HOST:PORT` as a browser or a client on this machine reaches it (the origin of a server bound there). */
export function httpOrigin(host: string, port: number): string {
  return rpcUrl(host, port);
}

function rpcUrl(host: string, port: number): string {
  // A wildcard address is where anvil listens, not an address to connect to.
  const connectHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${connectHost.includes(":") ? `[${connectHost}]` : connectHost}:${port}`;
}

async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(killer);
  }
}
