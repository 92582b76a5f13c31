/**
 * `npm start` (scripts/start.ts): a second Ctrl-C while it stops leaves no anvil behind, even one that does
 * not act on SIGTERM. The script runs from a scratch copy of the repository's root (its own `.next`), so that
 * whatever it would build stays out of the shared build folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { pickFreePort } from "@/lib/devchain/anvil";
import { isGone } from "./support/process";

const root = path.resolve(import.meta.dirname, "../..");

/** The anvil process listening on `port`, by its command line. */
function anvilOnPort(port: number): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (path.basename(args[0] ?? "") === "anvil" && args[args.indexOf("--port") + 1] === String(port)) return Number(entry);
    } catch {
      // exited meanwhile
    }
  }
  return null;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe("scripts/start.ts", () => {
  it("kills a hung anvil on a second signal while stopping", async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), "start-signals-"));
    mkdirSync(path.join(scratch, "scripts"));
    copyFileSync(path.join(root, "scripts/start.ts"), path.join(scratch, "scripts/start.ts"));
    symlinkSync(path.join(root, "lib"), path.join(scratch, "lib"));
    symlinkSync(path.join(root, "node_modules"), path.join(scratch, "node_modules"));
    let anvilPid: number | null = null;
    const running: { start?: ChildProcess } = {};
    cleanups.push(() => {
      for (const pid of [anvilPid, running.start?.pid]) {
        try {
          if (pid) process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(scratch, { recursive: true, force: true });
    });

    const anvilPort = await pickFreePort();
    // Node with tsx's loader, not the tsx runner: the runner relays signals to its child and SIGKILLs it when
    // it does not acknowledge one within 30 ms (a loaded machine), which would test tsx instead of the script.
    const start = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      cwd: scratch,
      env: { ...process.env, HOST: "127.0.0.1", PORT: String(await pickFreePort()), ANVIL_PORT: String(anvilPort), DATA_DIR: path.join(scratch, "data"), LOCAL_RPC_URL: "" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    running.start = start;
    const exited = once(start, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    const lines = createInterface({ input: start.stdout! });
    for await (const line of lines) {
      if (line.startsWith("[start] anvil")) break;
    }
    anvilPid = anvilOnPort(anvilPort);
    expect(anvilPid).not.toBeNull();
    // Frozen, anvil holds SIGTERM pending as a hung one would ignore it; and the script cannot get further.
    process.kill(anvilPid!, "SIGSTOP");

    start.kill("SIGINT");
    // A repeat within start.ts's SAME_SIGNAL_MS (500 ms) counts as the same Ctrl-C: this one must be later.
    await delay(600);
    expect(start.exitCode).toBeNull(); // still stopping: anvil has not gone on SIGTERM
    start.kill("SIGINT");
    const [code] = await exited;
    expect(isGone(anvilPid!)).toBe(true);
    expect(code).not.toBe(0);
  });
});
