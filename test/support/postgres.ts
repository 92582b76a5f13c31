import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";

export interface TestPostgres {
  /** Superuser `postgres`, no password, database `postgres`. */
  url: string;
  /** Fast shutdown, then the server's files are deleted. */
  stop(): Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

const READY_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 25;
const PORT_ATTEMPTS = 3;

/** Starts a throwaway PostgreSQL server on a free loopback port, with its data in a fresh temp dir. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  const owner = serverUser();
  const root = await mkdtemp(path.join(os.tmpdir(), "x402-pg-"));
  try {
    // The server user must own the folder: initdb creates the data dir and postgres its socket in it.
    if (owner) await chown(root, owner.uid, owner.gid);
    await initdb(bin, root, owner);
    for (let attempt = 1; ; attempt++) {
      try {
        return await startServer(bin, root, owner);
      } catch (err) {
        // Another process can take the port between our probe and the server's bind.
        const portTaken = /could not bind|address already in use/i.test(String(err));
        if (!portTaken || attempt === PORT_ATTEMPTS) throw err;
      }
    }
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}

/** PG_BIN, else Debian's newest /usr/lib/postgresql/<version>/bin, else PATH. */
function findPostgresBin(): string {
  const hasServer = (dir: string) =>
    existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "postgres"));
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) {
    if (hasServer(fromEnv)) return fromEnv;
    throw new Error(`PG_BIN=${fromEnv} holds no initdb and postgres binaries`);
  }
  const debian = "/usr/lib/postgresql";
  const versions = existsSync(debian)
    ? readdirSync(debian).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a))
    : [];
  const candidates = [
    ...versions.map((v) => path.join(debian, v, "bin")),
    ...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean),
  ];
  const found = candidates.find(hasServer);
  if (found) return found;
  throw new Error(
    "PostgreSQL server binaries (initdb, postgres) not found: install the Debian package `postgresql` " +
      "(apt-get install postgresql) or set PG_BIN to the folder that holds them.",
  );
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` OS user.
 * Node's spawn uid/gid does that without a runuser/su wrapper, so our signals reach postgres itself.
 */
function serverUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new Error(
      "Running as root, and PostgreSQL refuses root: it needs the `postgres` OS user, which the " +
        "Debian package `postgresql` creates. Install it or run the tests as an ordinary user.",
    );
  }
}

/** The cluster lives in <root>/data; <root> also holds the server's Unix socket. */
const dataDirOf = (root: string) => path.join(root, "data");

async function initdb(bin: string, root: string, owner: OsUser | undefined): Promise<void> {
  const args = ["-D", dataDirOf(root), "-U", "postgres", "--auth=trust", "--no-sync"];
  const child = spawnServerTool(bin, "initdb", [...args, "--encoding=UTF8", "--locale=C"], root, owner);
  const watched = watch(child);
  await watched.ended;
  if (child.exitCode !== 0) throw new Error(`initdb ${watched.endReason()}:\n${watched.output()}`);
}

async function startServer(bin: string, root: string, owner: OsUser | undefined): Promise<TestPostgres> {
  const port = await freePort();
  const args = [
    ["-D", dataDirOf(root), "-p", String(port), "-k", root],
    ["-c", "listen_addresses=127.0.0.1"],
    // A throwaway server: durability only costs time.
    ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
  ].flat();
  const server = spawnServerTool(bin, "postgres", args, root, owner);
  const watched = watch(server);
  // If the test process ends without stop() (a crash, a timeout), take the server down with it.
  const killOnExit = () => server.kill("SIGQUIT");
  process.once("exit", killOnExit);

  const stop = async () => {
    process.off("exit", killOnExit);
    if (!watched.endReason()) server.kill("SIGINT"); // fast shutdown: disconnect clients, then exit
    await watched.ended;
    await rm(root, { recursive: true, force: true });
  };

  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitUntilReady(url, watched);
  } catch (err) {
    process.off("exit", killOnExit);
    if (!watched.endReason()) server.kill("SIGQUIT");
    await watched.ended;
    throw err;
  }
  return { url, stop };
}

async function waitUntilReady(url: string, server: Watched): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const ended = server.endReason();
    if (ended) throw new Error(`postgres ${ended} before it was ready:\n${server.output()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query("select 1");
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        const last = String(err);
        throw new Error(`postgres not ready after ${READY_TIMEOUT_MS} ms (${last}):\n${server.output()}`);
      }
    }
    await delay(POLL_INTERVAL_MS);
  }
}

/** Runs from <root>, which the server user can enter, as that user when we are root. */
function spawnServerTool(
  bin: string,
  tool: "initdb" | "postgres",
  args: string[],
  root: string,
  owner: OsUser | undefined,
): ChildProcess {
  return spawn(path.join(bin, tool), args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], ...owner });
}

interface Watched {
  /** The tail of the child's output, for error messages. */
  output(): string;
  /** Settles once the child has exited, or failed to start. */
  ended: Promise<void>;
  /** How it ended; undefined while it runs. */
  endReason(): string | undefined;
}

/** Follows a child to its end and drains its pipes, so it never blocks on a full one. */
function watch(child: ChildProcess): Watched {
  let tail = "";
  let reason: string | undefined;
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const ended = new Promise<void>((resolve) => {
    child.once("error", (err) => {
      reason ??= `failed to start (${err.message})`;
      resolve();
    });
    child.once("exit", (code, signal) => {
      reason ??= `exited with ${code ?? signal}`;
      resolve();
    });
  });
  return { output: () => tail, ended, endReason: () => reason };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
