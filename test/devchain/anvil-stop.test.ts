/**
 * Anvil never outlives what started it: stop() escalates to SIGKILL after its grace period, a process that
 * exits without stopping it kills it, and it is started without a wildcard CORS origin when asked.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { createTestClient, http, type Address } from "viem";
import { foundry } from "viem/chains";
import { describe, expect, it } from "vitest";
import { startAnvil, type Anvil } from "@/lib/devchain/anvil";
import { isGone } from "./support/process";

const root = path.resolve(import.meta.dirname, "../..");
// JUMPDEST PUSH0 JUMP: loops until its gas runs out.
const LOOP: Address = "0x00000000000000000000000000000000000100aa";

/** Sends anvil an eth_call that loops for hours and resolves once anvil has taken it (it logs every call). */
async function keepBusy(anvil: Anvil): Promise<void> {
  const testClient = createTestClient({ chain: foundry, mode: "anvil", transport: http(anvil.rpcUrl) });
  await testClient.setCode({ address: LOOP, bytecode: "0x5b5f56" });
  const taken = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      if (chunk.toString("utf8").includes("eth_call")) {
        anvil.process.stdout?.off("data", onData);
        resolve();
      }
    };
    anvil.process.stdout?.on("data", onData);
  });
  fetch(anvil.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_call", params: [{ to: LOOP, gas: "0xffffffffff" }, "latest"] }),
  }).catch(() => {}); // answered never, or cut when anvil goes
  await taken;
}

describe("stopping anvil", () => {
  it("stops an anvil that is busy with a long eth_call", async () => {
    const anvil = await startAnvil({ port: 0, silent: true });
    const pid = anvil.process.pid!;
    try {
      await keepBusy(anvil);
      await anvil.stop({ graceMs: 2_000 });
      expect(anvil.process.exitCode !== null || anvil.process.signalCode !== null).toBe(true);
      expect(isGone(pid)).toBe(true);
    } finally {
      anvil.process.kill("SIGKILL");
    }
  });

  it("kills an anvil that does not act on SIGTERM once the grace period is over", async () => {
    const anvil = await startAnvil({ port: 0, silent: true });
    const pid = anvil.process.pid!;
    try {
      await keepBusy(anvil);
      // A stopped process holds SIGTERM pending, as a hung anvil would ignore it.
      process.kill(pid, "SIGSTOP");
      await anvil.stop({ graceMs: 200 });
      expect(anvil.process.signalCode).toBe("SIGKILL");
      expect(isGone(pid)).toBe(true);
    } finally {
      anvil.process.kill("SIGKILL");
    }
  });

  it("kills anvil when the process that started it exits without stopping it", async () => {
    const owner = spawn(path.join(root, "node_modules", ".bin", "tsx"), [path.join(root, "test/devchain/fixtures/anvil-owner.ts")], {
      cwd: root,
      stdio: ["pipe", "pipe", "inherit"],
    });
    const [line] = (await once(createInterface({ input: owner.stdout! }), "line")) as [string];
    const { pid } = JSON.parse(line) as { pid: number };
    try {
      process.kill(pid, "SIGSTOP"); // as above: SIGTERM alone would leave it there
      owner.stdin!.write("exit\n");
      await once(owner, "exit");
      expect(isGone(pid)).toBe(true);
    } finally {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
});

describe("anvil's CORS origin", () => {
  it("answers another site without a wildcard origin when started with allowOrigin", async () => {
    const appOrigin = "http://127.0.0.1:3999";
    const anvil = await startAnvil({ port: 0, silent: true, allowOrigin: appOrigin });
    try {
      const ask = (origin: string) =>
        fetch(anvil.rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json", origin },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        });
      const evil = await ask("http://evil.example");
      expect(evil.headers.get("access-control-allow-origin")).not.toBe("*");
      expect(evil.headers.get("access-control-allow-origin")).not.toBe("http://evil.example");
      expect((await ask(appOrigin)).headers.get("access-control-allow-origin")).toBe(appOrigin);
    } finally {
      await anvil.stop();
    }
  });
});
