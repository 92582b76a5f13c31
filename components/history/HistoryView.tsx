"use client";

import dynamic from "next/dynamic";
import { useEffect, useMemo, useState } from "react";
import { useNetwork } from "@/components/network/NetworkProvider";
import { Button } from "@/components/ui/Button";
import { TxLink } from "@/components/tx/TxLink";
import { useJournalRecovery } from "@/components/chat/useJournalRecovery";
import { analyze, paymentsToCsv, type PaymentRecord } from "@/lib/browser/history/payments";
import type { Reconciliation } from "@/lib/browser/history/tab-history";
import { USDC_DECIMALS } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { resolveOpenPayments } from "@/lib/browser/history/resolve";
import { paymentsStore } from "@/lib/browser/history/store";
import { useLocalStore } from "@/lib/browser/store";
import { relayReader } from "@/lib/x402/payer/chain-reader";
import { spendOverTime, spendPerAgent } from "./series";

const cell = "px-2 py-1.5 text-left";
/** A payment's cell: a table cell from `sm` up, a labelled line of a card on a phone. */
const rowCell = "px-2 py-1.5 text-left max-sm:block max-sm:p-0 max-sm:min-w-0";
/** Chart.js comes with this chunk, fetched when the history is shown: never part of the chat's first load. */
const SpendCharts = dynamic(() => import("./SpendCharts"), {
  ssr: false,
  loading: () => <p className="text-sm text-zinc-500">Loading charts…</p>,
});
/** How often open (unconfirmed, pending) payments are looked up on chain again while the history is shown. */
const RESOLVE_INTERVAL_MS = 15_000;

/** Settles what the chain can settle: now, then every RESOLVE_INTERVAL_MS. */
function useResolveOpenPayments(chainId: number) {
  useEffect(() => {
    let running = false;
    const run = async () => {
      if (running) return;
      running = true;
      try {
        const changed = await resolveOpenPayments(window.localStorage, chainId, relayReader(chainId));
        if (changed > 0) paymentsStore.announce();
      } finally {
        running = false;
      }
    };
    void run();
    const timer = window.setInterval(() => void run(), RESOLVE_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [chainId]);
}

/**
 * Each tab of the history checked against its channel on chain (`channels(channelId)`), again whenever its rows
 * change; the reader and the contract's ABI load only here, when the history has a tab.
 */
function useTabReconciliation(chainId: number, payments: PaymentRecord[]): Map<string, Reconciliation> {
  const [verdicts, setVerdicts] = useState(() => new Map<string, Reconciliation>());
  const tabRows = useMemo(() => payments.filter((p) => p.tab), [payments]);
  useEffect(() => {
    if (tabRows.length === 0) return;
    let live = true;
    void import("@/lib/browser/history/tab-reconcile").then(async ({ reconcileTabs }) => {
      const found = await reconcileTabs(tabRows, relayReader(chainId));
      if (live) setVerdicts(new Map(found.map((v) => [v.channelId, v])));
    });
    return () => {
      live = false;
    };
  }, [chainId, tabRows]);
  return verdicts;
}

const TAB_KIND: Record<string, string> = { deposit: "Tab deposit", topup: "Tab top-up", charge: "Tab charge", refund: "Tab refund", withdrawal: "Tab withdrawal" };

export function HistoryView() {
  const { network } = useNetwork();
  // A payment left open by a reload (its reply cut off) is resolved here too, so the history adds up.
  useJournalRecovery(network.chainId);
  const usdcText = (atomic: bigint | string) => formatUsdc(atomic, network.usdc.decimals);
  useResolveOpenPayments(network.chainId);
  const payments = useLocalStore(paymentsStore, network.chainId);
  const stats = useMemo(() => analyze(payments), [payments]);
  const points = useMemo(() => spendOverTime(payments), [payments]);
  const agents = useMemo(() => spendPerAgent(payments), [payments]);
  const reconciled = useTabReconciliation(network.chainId, payments);

  const exportCsv = () => {
    const url = URL.createObjectURL(new Blob([paymentsToCsv(payments)], { type: "text/csv" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `x402-chat-payments-${network.key}.csv`;
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <div data-testid="history" className="flex flex-col gap-6">
      <section className="grid grid-cols-2 gap-3 sm:grid-cols-5">
        <Stat label="Paid messages" value={String(stats.total.messages)} testId="stat-messages" />
        <Stat label="Spent" value={usdcText(stats.total.spent)} testId="stat-spent" />
        <Stat label="Cost per message" value={usdcText(stats.total.costPerMessage)} testId="stat-cost" />
        <Stat label="Tokens in / out" value={`${stats.total.inputTokens} / ${stats.total.outputTokens}`} testId="stat-tokens" />
        <Stat label="Tool calls" value={String(stats.total.toolCalls)} testId="stat-tools" className="max-sm:col-span-2" />
      </section>

      <SpendCharts points={points} agents={agents} decimals={network.usdc.decimals} />

      <section className="grid gap-4 md:grid-cols-2">
        <Breakdown title="Per agent" usdcText={usdcText} rows={stats.perAgent.map((a) => ({ key: a.agentId, label: a.agentName, ...a }))} />
        <Breakdown title="Per day" usdcText={usdcText} rows={stats.perDay.map((d) => ({ key: d.day, label: d.day, ...d }))} />
      </section>

      <section>
        <div className="mb-2 flex items-center justify-between">
          <h2 className="text-sm font-semibold uppercase tracking-wide text-zinc-500">Payments on {network.name}</h2>
          <Button data-testid="history-csv" size="sm" disabled={payments.length === 0} onClick={exportCsv}>
            Export CSV
          </Button>
        </div>
        {payments.length === 0 ? (
          <p className="text-sm text-zinc-500">No payments on {network.name} yet.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm max-sm:block">
              <thead className="text-xs text-zinc-500 max-sm:sr-only">
                <tr>
                  <th className={cell}>Agent</th>
                  <th className={cell}>Amount</th>
                  <th className={cell}>Time</th>
                  <th className={cell}>Status</th>
                  <th className={cell}>Transaction</th>
                  <th className={cell}>Tokens in/out</th>
                </tr>
              </thead>
              <tbody className="max-sm:flex max-sm:flex-col max-sm:gap-2">
                {payments.map((p) => {
                  return (
                    <tr
                      key={p.id}
                      data-testid="history-row"
                      data-status={p.status}
                      data-kind={p.tab ? `tab-${p.tab.kind}` : "exact"}
                      data-amount={p.amount}
                      className="border-t border-zinc-200 max-sm:grid max-sm:grid-cols-2 max-sm:gap-x-3 max-sm:gap-y-2 max-sm:rounded-lg max-sm:border max-sm:p-3 dark:border-zinc-800"
                    >
                      <td className={`${rowCell} font-medium`}>
                        <Label>Agent</Label>
                        {p.agentName}
                        {p.tab && <TabNote record={p} verdict={reconciled.get(p.tab.channelId)} />}
                      </td>
                      <td className={`${rowCell} font-mono max-sm:text-right`}>
                        <Label>Amount</Label>
                        {usdcText(p.amount)}
                      </td>
                      <td className={`${rowCell} whitespace-nowrap`}>
                        <Label>Time</Label>
                        {new Date(p.time).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" })}
                      </td>
                      <td className={`${rowCell} max-sm:text-right`} title={p.claimedTransaction && `the agent named ${p.claimedTransaction}`}>
                        <Label>Status</Label>
                        <StatusText status={p.status} error={p.error} />
                      </td>
                      <td className={`${rowCell} max-w-48 font-mono text-xs max-sm:col-span-2 max-sm:max-w-none`}>
                        <Label>Transaction</Label>
                        <span className="block truncate" title={p.transaction}>
                          {p.transaction ? (
                            <TxLink testId="history-tx" network={network} hash={p.transaction} />
                          ) : (
                            <span data-testid="history-tx">{p.tab?.kind === "charge" ? "— voucher" : "—"}</span>
                          )}
                        </span>
                      </td>
                      <td className={`${rowCell} max-sm:hidden`}>{p.usage ? `${p.usage.inputTokens}/${p.usage.outputTokens}` : "—"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

/** What a tab's row is, and whether its tab agrees with the chain (shown on its deposit and refund rows). */
function TabNote({ record, verdict }: { record: PaymentRecord; verdict?: Reconciliation }) {
  const money = record.tab!.kind !== "charge";
  return (
    <span className="block text-xs font-normal text-zinc-500">
      <span data-testid="history-kind">{TAB_KIND[record.tab!.kind]}</span>
      {record.tab!.maxAmount && ` · of max ${formatUsdc(record.tab!.maxAmount, USDC_DECIMALS, { unit: false })}`}
      {money && verdict && (
        <span
          data-testid="history-reconciled"
          data-matches={verdict.matches}
          title={verdict.matches ? `channels(${record.tab!.channelId}) on chain agrees with these rows` : verdict.why}
          className={verdict.matches ? "text-emerald-700 dark:text-emerald-400" : "text-red-700 dark:text-red-400"}
        >
          {verdict.matches ? " · matches chain" : ` · does not match chain: ${verdict.why}`}
        </span>
      )}
    </span>
  );
}

/** A cell's name, shown on a phone, where the row is a card without the table's header. */
function Label({ children }: { children: string }) {
  return <span className="block text-xs font-normal text-zinc-500 sm:hidden">{children}</span>;
}

const statusTone: Record<string, string> = {
  settled: "text-emerald-700 dark:text-emerald-400",
  failed: "text-red-700 dark:text-red-400",
  pending: "text-amber-700 dark:text-amber-400",
  unconfirmed: "text-amber-700 dark:text-amber-400",
};

function StatusText({ status, error }: { status: string; error?: string }) {
  return <span data-testid="history-status" className={statusTone[status]}>{status === "failed" ? `failed: ${error ?? ""}` : status}</span>;
}

function Stat({ label, value, testId, className = "" }: { label: string; value: string; testId: string; className?: string }) {
  return (
    <div className={`rounded-lg border border-zinc-200 p-3 dark:border-zinc-800 ${className}`}>
      <p className="text-xs text-zinc-500">{label}</p>
      <p data-testid={testId} className="font-mono text-sm">
        {value}
      </p>
    </div>
  );
}

function Breakdown({ title, usdcText, rows }: { title: string; usdcText: (atomic: bigint) => string; rows: Array<{ key: string; label: string; messages: number; spent: bigint; toolCalls: number; inputTokens: number; outputTokens: number }> }) {
  return (
    <div>
      <h2 className="mb-2 text-sm font-semibold uppercase tracking-wide text-zinc-500">{title}</h2>
      {rows.length === 0 ? (
        <p className="text-sm text-zinc-500">Nothing yet.</p>
      ) : (
        <table className="w-full text-sm">
          <thead className="text-xs text-zinc-500">
            <tr>
              <th className={cell}></th>
              <th className={cell}>Messages</th>
              <th className={cell}>Spent</th>
              <th className={`${cell} max-sm:hidden`}>Tokens</th>
              <th className={cell}>Tools</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} className="border-t border-zinc-200 dark:border-zinc-800">
                <td className={cell}>{r.label}</td>
                <td className={cell}>{r.messages}</td>
                <td className={`${cell} whitespace-nowrap font-mono`}>{usdcText(r.spent)}</td>
                <td className={`${cell} max-sm:hidden`}>{r.inputTokens + r.outputTokens}</td>
                <td className={cell}>{r.toolCalls}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
