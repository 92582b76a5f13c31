/**
 * The bench's tab paths end to end on a real anvil and the in-memory ledger: the TTFT measurement with a tab beside
 * unpaid, exact and withX402, and the server-CPU measurement (the client in a child process) for unpaid, exact and
 * tab. (@x402/next, the official wrapper the TTFT also times, loads only in the bench, under Next's resolution.) Figures are only checked to be measured, never against a time.
 */
import { describe, expect, it } from "vitest";
import { getAgent } from "@/lib/agents/registry";
import { measureServerCpu } from "@/lib/devtools/bench/server-cpu";
import { measureTtft } from "@/lib/devtools/bench/ttft";
import { fundedPayer, MARKET_AGENT, paidStackFixture } from "../x402/support";

const stack = paidStackFixture();

describe("bench: tabs against unpaid", () => {
  it("times the first token of a tab's replies, each voucher building on the last receipt", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const ttft = await measureTtft({ agent: getAgent(MARKET_AGENT)!, payer, rpcUrl: stack.anvil.rpcUrl, runs: 3, warmup: 1, withX402: false });
    for (const path of [ttft.free, ttft.paid, ttft.tab]) {
      expect(path.count).toBe(3);
      expect(path.p50).toBeGreaterThan(0);
    }
  });

  it("measures the server's CPU per message for unpaid, exact and tab with the client in its own process, two messages in flight", async () => {
    // withX402 is left to the bench: @x402/next imports `next/server`, which resolves only under Next's resolution.
    const cpu = await measureServerCpu({ agent: getAgent(MARKET_AGENT)!, rpcUrl: stack.anvil.rpcUrl, messages: 4, rounds: 2, warmup: 1, modes: ["unpaid", "exact", "tab"], concurrency: 2 });
    expect(cpu.messages).toBe(4);
    expect(cpu.concurrency).toBe(2);
    for (const mode of ["unpaid", "exact", "tab"] as const) {
      expect(cpu[mode]?.perRound.count).toBe(2);
      expect(cpu[mode]?.msPerMessage).toBeGreaterThan(0);
    }
  });
});
