import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

const SCRIPT = path.join(import.meta.dirname, "paid-server.ts");

export interface PaidServerProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the first output line matching `pattern` (stdout or stderr). */
  waitForLine(pattern: RegExp): Promise<string>;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
}

/** Starts support/paid-server.ts in its own process (react-server: its modules are server-only). */
export async function startPaidServerProcess(env: Record<string, string>): Promise<PaidServerProcess> {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", SCRIPT], {
    cwd: path.resolve(import.meta.dirname, "../../.."),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const onLine = (line: string) => {
    lines.push(line);
    for (const w of waiters.filter((w) => w.pattern.test(line))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  };
  createInterface({ input: child.stdout! }).on("line", onLine);
  createInterface({ input: child.stderr! }).on("line", onLine);
  const waitForLine = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return resolve(seen);
      waiters.push({ pattern, resolve });
      void exited.then(() => reject(new Error(`paid server exited before printing ${pattern}:\n${lines.join("\n")}`)));
    });
  const listening = await waitForLine(/^LISTENING /);
  return { url: listening.slice("LISTENING ".length), child, waitForLine, exited };
}
