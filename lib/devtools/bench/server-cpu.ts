/**
 * Server CPU per message of one agent, four ways, in one warm process: unpaid (the free reply), paid with `exact`,
 * paid on a tab (batch-settlement vouchers), and `exact` through the official @x402/next withX402 wrapper around
 * the free reply on the official SDK facilitator (official-stack.ts). The routes run in this process and nothing else
 * does: the client (proofs, vouchers, reading the replies) is a child process (cpu-client.ts), so this process's
 * process.cpuUsage() (user + system, every thread: JS, GC, libuv) across a block of sequential messages is the
 * server's alone. The chain (anvil) is a process of its own too; what the server spends waiting on it is not CPU.
 * Blocks of the modes alternate over several rounds, so drift and garbage collection fall on all of them.
 * `concurrency` messages are in flight at once (each from a payer of its own): at 1 every exact settlement is a
 * batch of one; above it, payments that arrive together share a batch, as they do on a server with traffic.
 */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { parseUnits } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { AgentConfig } from "../../agents/registry";
import { fundLocalAccount } from "../../devchain/deploy";
import { handlePaidAgentChat } from "../../x402/server/paid-chat";
import { serveRoutes } from "../route-server";
import { summarize } from "../load/stats";
import type { CpuMode, FromClient, ToClient } from "./cpu-client";
import { BODY, withX402Route } from "./ttft";
import { freeReply } from "./free-reply";

export const CPU_MODES: readonly CpuMode[] = ["unpaid", "exact", "tab", "withX402"];

export interface ServerCpuOptions {
  agent: AgentConfig;
  rpcUrl: string;
  /** Measured messages per mode; default 60. */
  messages?: number;
  /** Blocks per mode (messages are split evenly over them); default 6. */
  rounds?: number;
  /** Unmeasured messages per mode first; default 5. */
  warmup?: number;
  /** The modes measured; default all four (a profile of one path takes one). */
  modes?: readonly CpuMode[];
  /** Messages in flight at once; default 1. */
  concurrency?: number;
}

export type ServerCpu = Partial<Record<CpuMode, { msPerMessage: number; perRound: ReturnType<typeof summarize> }>> & {
  messages: number;
  rounds: number;
  concurrency: number;
};

export async function measureServerCpu(opts: ServerCpuOptions): Promise<ServerCpu> {
  const rounds = opts.rounds ?? 6;
  const perRound = Math.max(1, Math.round((opts.messages ?? 60) / rounds));
  const warmup = opts.warmup ?? 5;
  const modes = opts.modes ?? CPU_MODES;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const { agent } = opts;
  const official = modes.includes("withX402") ? await withX402Route(agent, opts.rpcUrl) : null;
  const server = await serveRoutes([
    { method: "POST", path: "/free", handle: (req) => freeReply(req, agent) },
    { method: "POST", path: "/paid", handle: (req) => handlePaidAgentChat(req, agent.id) },
    ...(official ? [{ method: "POST", path: "/withx402", handle: official }] : []),
  ]);
  const payerKeys = Array.from({ length: concurrency }, () => generatePrivateKey());
  // Enough for every exact message and the tab's deposit, each at the agent's price or less.
  for (const key of payerKeys) await fundLocalAccount(opts.rpcUrl, privateKeyToAccount(key).address, { usdc: parseUnits("100", 6), eth: 0n });
  const client = fork(path.join(import.meta.dirname, "cpu-client.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  try {
    const tabMessages = warmup + perRound * rounds + 1;
    await ask(client, { type: "init", freeUrl: `${server.url}/free`, paidUrl: `${server.url}/paid`, withX402Url: official ? `${server.url}/withx402` : null, rpcUrl: opts.rpcUrl, payerKeys, body: BODY, tabMessages });
    for (const mode of modes) await ask(client, { type: "run", mode, count: warmup });
    const samples: Record<CpuMode, number[]> = { unpaid: [], exact: [], tab: [], withX402: [] };
    for (let r = 0; r < rounds; r++) {
      for (const mode of modes) {
        const before = process.cpuUsage();
        await ask(client, { type: "run", mode, count: perRound });
        const used = process.cpuUsage(before);
        samples[mode].push((used.user + used.system) / 1000 / perRound);
      }
    }
    const figure = (mode: CpuMode) => ({
      msPerMessage: samples[mode].reduce((a, b) => a + b, 0) / rounds,
      perRound: summarize(samples[mode]),
    });
    return { messages: perRound * rounds, rounds, concurrency, ...Object.fromEntries(modes.map((mode) => [mode, figure(mode)])) };
  } finally {
    if (client.exitCode === null && client.signalCode === null) {
      const exited = once(client, "exit");
      client.disconnect();
      await exited;
    }
    await server.close();
  }
}

/** Sends the client one instruction and waits for its answer (ready or done); its failure is thrown here. */
async function ask(client: ChildProcess, msg: ToClient): Promise<void> {
  const answer = new Promise<void>((resolve, reject) => {
    const onMessage = (reply: FromClient) => {
      cleanup();
      if (reply.type === "failed") reject(new Error(`bench client: ${reply.error}`));
      else resolve();
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`bench client exited (${code})`));
    };
    const cleanup = () => {
      client.off("message", onMessage);
      client.off("exit", onExit);
    };
    client.on("message", onMessage);
    client.on("exit", onExit);
  });
  client.send(msg);
  await answer;
}
