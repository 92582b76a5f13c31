import { describe, expect, it } from "vitest";
import { listAgents } from "@/lib/agents/registry";
import { getLedger } from "@/lib/ledger";
import { loadAgentsFrom } from "@/lib/devtools/load/agents";
import { fundedPayers } from "@/lib/devtools/load/payers";
import { ledgerSettlements, reconcile } from "@/lib/devtools/load/reconcile";
import { formatReport, runLoad } from "@/lib/devtools/load/run";
import { paidStackFixture } from "../x402/support";

const stack = paidStackFixture();

describe("the load runner", () => {
  it("pays 300 messages from 20 concurrent clients and reconciles receipts, ledger and chain exactly", async () => {
    const payers = await fundedPayers(stack.anvil.rpcUrl, 20, "1");
    const agents = loadAgentsFrom(listAgents());
    const report = await runLoad({ baseUrl: stack.url, rpcUrl: stack.anvil.rpcUrl, agents, payers, messages: 300, readLedger: async (payers) => ledgerSettlements(await getLedger(), payers) });
    console.log(formatReport(report));
    expect(report.failed).toEqual({});
    expect(report.settled).toBe(300);
    expect(report.reconciliation.mismatches).toEqual([]);
    expect(Object.keys(report.reconciliation.perAgent).sort()).toEqual(agents.map((a) => a.id).sort());
    expect(report.latencyMs.count).toBe(300);
  });

  it("reports a difference between the witnesses, to the unit", () => {
    const receipt = { agentId: "a", txHash: "0x1", amount: 10n };
    expect(reconcile({ receipts: [receipt], ledger: [receipt], chain: [receipt] }).exact).toBe(true);
    expect(reconcile({ receipts: [receipt], ledger: [receipt], chain: [{ ...receipt, amount: 9n }] }).exact).toBe(false);
    expect(reconcile({ receipts: [receipt], ledger: [], chain: [receipt] }).mismatches[0]).toContain("in receipts but not in ledger");
    // A payment counted twice by one witness; one payer paying twice in one (batch) transaction is no mismatch.
    expect(reconcile({ receipts: [receipt, receipt], ledger: [receipt], chain: [receipt] }).exact).toBe(false);
    expect(reconcile({ receipts: [receipt, receipt], ledger: [receipt, receipt], chain: [receipt, receipt] }).exact).toBe(true);
  });
});
