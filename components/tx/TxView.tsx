"use client";

import { useEffect, useState } from "react";
import type { Hex } from "viem";
import { Button } from "@/components/ui/Button";
import { Notice } from "@/components/ui/Notice";
import type { Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { relayReader } from "@/lib/x402/payer/chain-reader";
import { readTransaction, type TransactionView } from "./read-transaction";

type Loaded = { view: TransactionView } | { error: string };

/** A transaction of the local chain, read in the browser through the read-only relay. */
export function TxView({ network, hash }: { network: Network; hash: Hex }) {
  const [attempt, setAttempt] = useState(0);
  const [loaded, setLoaded] = useState<(Loaded & { attempt: number }) | null>(null);

  useEffect(() => {
    let live = true;
    readTransaction(relayReader(network.chainId), network, hash).then(
      (view) => live && setLoaded({ view, attempt }),
      (err: Error) => live && setLoaded({ error: `Could not read ${network.name}: ${err.message}`, attempt }),
    );
    return () => {
      live = false;
    };
  }, [network, hash, attempt]);

  const again = (
    <Button data-testid="tx-retry" size="sm" onClick={() => setAttempt(attempt + 1)}>
      Check again
    </Button>
  );
  if (!loaded || loaded.attempt !== attempt) return <p className="text-sm text-zinc-500" role="status">Reading the transaction from {network.name}…</p>;
  if ("error" in loaded) {
    return (
      <div className="flex flex-col items-start gap-2">
        <Notice tone="error" data-testid="tx-error">{loaded.error}</Notice>
        {again}
      </div>
    );
  }
  const { view } = loaded;
  if (!view.found) {
    return (
      <div data-testid="tx-view" data-status="not-found" className="flex flex-col items-start gap-2">
        <Notice tone="warning">This transaction is not on {network.name}. A local chain that was reset forgets its transactions.</Notice>
        {again}
      </div>
    );
  }

  const usdc = (atomic: bigint) => formatUsdc(atomic, network.usdc.decimals);
  return (
    <div data-testid="tx-view" data-status={view.status} className="flex flex-col gap-4">
      <section className="flex flex-col gap-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800">
        <div className="flex flex-wrap items-center gap-2">
          <span
            data-testid="tx-status"
            className={`rounded-full px-2 py-0.5 text-xs font-medium ${
              view.status === "success"
                ? "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300"
                : "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300"
            }`}
          >
            {view.status === "success" ? "Succeeded" : "Reverted"}
          </span>
          <span className="text-sm text-zinc-600 dark:text-zinc-300">
            in block <span data-testid="tx-block" className="font-mono">{view.blockNumber.toString()}</span>
            {view.timestamp !== null && <> · {new Date(Number(view.timestamp) * 1000).toLocaleString()}</>}
          </span>
        </div>
        <Field label="Transaction" value={view.hash} />
        <Field label="Sent by" value={view.sender} hint="the facilitator that settled the payment, for an x402 payment" />
        {view.to && <Field label="Called" value={view.to} hint={view.to.toLowerCase() === network.usdc.address.toLowerCase() ? `${network.name}'s USDC` : undefined} />}
        <Field label="Gas used" value={view.gasUsed.toString()} />
      </section>

      <section className="flex flex-col gap-2">
        <h2 className="text-sm font-semibold uppercase tracking-wide text-zinc-500">USDC transfers</h2>
        {view.transfers.length === 0 ? (
          <p className="text-sm text-zinc-500">This transaction moved no USDC.</p>
        ) : (
          <ul className="flex flex-col gap-2">
            {view.transfers.map((t, i) => (
              <li
                key={i}
                data-testid="tx-transfer"
                data-from={t.from}
                data-to={t.to}
                data-value={t.value.toString()}
                className="flex flex-col gap-2 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
              >
                <p data-testid="tx-transfer-amount" className="font-mono text-lg font-semibold">{usdc(t.value)}</p>
                <Field label="Payer" value={t.from} />
                <Field label="Payee" value={t.to} />
              </li>
            ))}
          </ul>
        )}
        {view.otherLogs > 0 && (
          <p className="text-xs text-zinc-500">
            {view.otherLogs} other event{view.otherLogs === 1 ? "" : "s"} (such as the authorization&apos;s use) not shown.
          </p>
        )}
      </section>
    </div>
  );
}

function Field({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="grid gap-0.5 text-sm sm:grid-cols-[8rem_1fr] sm:gap-3">
      <span className="text-zinc-500">{label}</span>
      <span className="min-w-0">
        <span className="break-all font-mono">{value}</span>
        {hint && <span className="block text-xs text-zinc-500">{hint}</span>}
      </span>
    </div>
  );
}
