import { spawn } from "node:child_process";
import path from "node:path";

export interface RoutesProcess {
  url: string;
  /** The tail of its output, for failure messages. */
  output(): string;
  /** SIGTERM, then waits for it to exit. */
  stop(): Promise<void>;
  /** SIGKILL (a crash: nothing of it runs after), then waits for it to exit. */
  kill(): Promise<void>;
}

/**
 * Starts app-routes-process.ts in a Node process of its own (its own modules, facilitator, claimer and database
 * connections, as a second app process has) and resolves once it serves. `env` adds to this process's environment.
 */
export async function startRoutesProcess(env: Record<string, string>): Promise<RoutesProcess> {
  const root = path.resolve(import.meta.dirname, "../..");
  // react-server: `server-only` is then the empty module it is in the app's server bundle.
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "test/support/app-routes-process.ts"], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-20_000);
  };
  child.stderr.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let line = "";
    child.stdout.on("data", (chunk: Buffer) => {
      keep(chunk);
      line += chunk.toString();
      const match = /^\{"url":"([^"]+)"\}$/m.exec(line);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`the routes process exited before it served:\n${tail}`)));
  });
  return {
    url,
    output: () => tail,
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
    async kill() {
      process.off("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
