import { describe, expect, it } from "vitest";
import { addPayment, analyze, paymentsToCsv, readPayments, recordOfReply, type PaymentRecord } from "@/lib/browser/history/payments";
import type { ChatMessage } from "@/lib/x402/shared/chat-message";
import { localDay } from "@/lib/x402/payer/policy";

function memoryStorage() {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
}

const record = (over: Partial<PaymentRecord>): PaymentRecord => ({
  id: "p1",
  time: "2026-11-22T10:00:00.000Z",
  conversationId: "c1",
  agentId: "a1",
  agentName: "Market Analyst",
  amount: "10000",
  chainId: 31337,
  network: "eip155:31337",
  transaction: "0xabc",
  status: "settled",
  usage: { model: "offline", inputTokens: 10, outputTokens: 20, toolCalls: 1, latencyMs: 50 },
  ...over,
});

describe("the payment history", () => {
  it("keeps records per network, newest first, one per id", () => {
    const storage = memoryStorage();
    addPayment(storage, record({ id: "p1" }));
    addPayment(storage, record({ id: "p2" }));
    addPayment(storage, record({ id: "p1", status: "failed" }));
    addPayment(storage, record({ id: "p3", chainId: 84532 }));
    expect(readPayments(storage, 31337).map((r) => [r.id, r.status])).toEqual([["p1", "failed"], ["p2", "settled"]]);
    expect(readPayments(storage, 84532)).toHaveLength(1);
  });

  it("ignores stored data it cannot read instead of failing", () => {
    const storage = memoryStorage();
    storage.setItem("x402chat:history:v1:31337", "{broken");
    expect(readPayments(storage, 31337)).toEqual([]);
    storage.setItem("x402chat:history:v1:31337", JSON.stringify([{ id: "x", amount: "-5" }, record({})]));
    expect(readPayments(storage, 31337)).toHaveLength(1);
  });

  it("sums spend (settled only), tokens and tool calls per agent and per day", () => {
    const a = analyze([
      record({ id: "1" }),
      record({ id: "2", agentId: "a2", agentName: "Guide", amount: "1000", time: "2026-11-21T09:00:00.000Z" }),
      record({ id: "3", status: "failed" }),
    ]);
    expect(a.total).toMatchObject({ messages: 3, spent: 11000n, inputTokens: 30, outputTokens: 60, toolCalls: 3, costPerMessage: 3666n });
    expect(a.perAgent.map((x) => [x.agentId, x.messages, x.spent])).toEqual([["a1", 2, 10000n], ["a2", 1, 1000n]]);
    expect(a.perDay.map((x) => [x.day, x.spent])).toEqual([["2026-11-22", 10000n], ["2026-11-21", 1000n]]);
  });

  it("counts days in local time, as the day budget does (not the UTC date of the record's time)", () => {
    const zone = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      // 02:00 UTC on the 30th is 21:00 on the 29th in New York.
      const time = "2026-11-30T02:00:00.000Z";
      expect(analyze([record({ time })]).perDay.map((d) => d.day)).toEqual(["2026-11-29"]);
      expect(localDay(new Date(time))).toBe("2026-11-29");
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("keeps a tab's deposit and refund out of what was spent: only its charges count", () => {
    const tab = (kind: "deposit" | "charge" | "refund", amount: string) => record({ id: `${kind}${amount}`, amount, transaction: kind === "charge" ? "" : "0xtx", tab: { kind, channelId: "0xab" } });
    const a = analyze([tab("refund", "180000"), tab("charge", "6000"), tab("charge", "14000"), tab("deposit", "200000"), record({ id: "exact" })]);
    expect(a.total).toMatchObject({ messages: 3, spent: 30000n });
    expect(a.perAgent.map((x) => [x.messages, x.spent])).toEqual([[3, 30000n]]);
  });

  it("keeps a tab reply charged 0 as its own row, not as the charge before it (the charged total did not move)", () => {
    const storage = memoryStorage();
    const reply = (id: string, charged: string, cumulative: string) =>
      ({ id, role: "assistant", parts: [{ type: "data-receipt", data: { success: true, network: "eip155:31337", amount: charged, tab: { channelId: "0xAB", chargedAmount: charged, chargedCumulativeAmount: cumulative, balance: "200000", maxAmount: "10000" } } }] }) as unknown as ChatMessage;
    const meta = { conversationId: "c1", agentId: "a1", agentName: "Market Analyst", chainId: 31337 };
    for (const message of [reply("m1", "6000", "6000"), reply("m2", "0", "6000"), reply("m3", "0", "6000")]) addPayment(storage, recordOfReply(message, meta)!);
    const rows = readPayments(storage, 31337);
    expect(rows.map((r) => [r.tab?.kind, r.amount])).toEqual([["charge", "0"], ["charge", "0"], ["charge", "6000"]]);
    expect(analyze(rows).total).toMatchObject({ messages: 3, spent: 6000n });
  });

  it("exports CSV with quoting and without spreadsheet formulas", () => {
    const csv = paymentsToCsv([record({ agentName: 'Say "hi", =SUM(A1)' }), record({ agentName: "=cmd" })]);
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe("time,agent,agentId,amountUsdc,network,chainId,transaction,status,inputTokens,outputTokens,toolCalls,error,kind,tab");
    expect(lines[1]).toContain('"Say ""hi"", =SUM(A1)"');
    expect(lines[1]).toContain(",0.01,eip155:31337,31337,0xabc,settled,10,20,1,");
    expect(lines[2]).toContain(",'=cmd,");
  });
});
