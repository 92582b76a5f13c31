import { describe, expect, it } from "vitest";
import type { PaymentRecord } from "@/lib/browser/history/payments";
import { spendOverTime, spendPerAgent, toUsdcNumber } from "@/components/history/series";

function record(over: Partial<PaymentRecord>): PaymentRecord {
  return {
    id: Math.random().toString(36),
    time: "2026-11-29T10:00:00.000Z",
    conversationId: "c",
    agentId: "a",
    agentName: "Agent A",
    amount: "10000",
    chainId: 31337,
    network: "eip155:31337",
    transaction: "",
    status: "settled",
    ...over,
  };
}

describe("the history's chart series", () => {
  it("draws a tab's charges, never its deposit or refund (money moved into and out of the tab, not spent)", () => {
    const tab = (kind: "deposit" | "charge" | "refund", amount: string, time: string) => record({ amount, time, tab: { kind, channelId: "0xab" } });
    const records = [
      tab("refund", "190000", "2026-11-29T12:00:00.000Z"),
      tab("charge", "6000", "2026-11-29T11:00:00.000Z"),
      tab("charge", "4000", "2026-11-29T10:30:00.000Z"),
      tab("deposit", "200000", "2026-11-29T10:00:00.000Z"),
    ];
    expect(spendOverTime(records).map((p) => p.cumulative)).toEqual([4000n, 10000n]);
    expect(spendPerAgent(records)).toEqual([{ agentId: "a", agentName: "Agent A", spent: 10000n, messages: 2 }]);
  });

  it("spend over time: settled payments only, oldest first, with the running total", () => {
    const records = [
      record({ time: "2026-11-29T12:00:00.000Z", amount: "5000" }), // the history lists newest first
      record({ time: "2026-11-29T11:00:00.000Z", amount: "99999", status: "failed" }),
      record({ time: "2026-11-29T10:00:00.000Z", amount: "10000" }),
      record({ time: "2026-11-28T09:00:00.000Z", amount: "1000", status: "unconfirmed" }),
    ];
    expect(spendOverTime(records)).toEqual([
      { time: Date.parse("2026-11-29T10:00:00.000Z"), cumulative: 10000n },
      { time: Date.parse("2026-11-29T12:00:00.000Z"), cumulative: 15000n },
    ]);
    expect(spendOverTime([])).toEqual([]);
  });

  it("spend per agent: settled only, largest first, agents never charged left out", () => {
    const records = [
      record({ agentId: "a", agentName: "Agent A", amount: "10000" }),
      record({ agentId: "b", agentName: "Agent B", amount: "5000" }),
      record({ agentId: "b", agentName: "Agent B", amount: "10000" }),
      record({ agentId: "c", agentName: "Agent C", amount: "10000", status: "failed" }),
    ];
    expect(spendPerAgent(records)).toEqual([
      { agentId: "b", agentName: "Agent B", spent: 15000n, messages: 2 },
      { agentId: "a", agentName: "Agent A", spent: 10000n, messages: 1 },
    ]);
  });

  it("draws USDC as numbers", () => {
    expect(toUsdcNumber(10000n, 6)).toBe(0.01);
  });
});
