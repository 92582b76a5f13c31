"use client";

import { useEffect, useState } from "react";
import { useNetwork } from "@/components/network/NetworkProvider";
import { Button } from "@/components/ui/Button";
import { useLocalStore } from "@/lib/browser/store";
import { formatUsdc } from "@/lib/chains/usdc";
import type { Network } from "@/lib/chains/networks";
import { parseLimit } from "@/lib/x402/payer/policy";
import { openTabs, tabStore, type StoredTab } from "@/lib/x402/payer/tab-store";
import type { TabOnChain } from "@/lib/x402/payer/tab-withdraw";
import { Input } from "@/components/ui/Input";
import { formatCountdown, secondsLeft, tabStoppedWhy } from "./tab-format";
import { loadCatalog } from "./useCatalog";

const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

/**
 * The tabs open on this network (side panel): each with its balance, what it has spent, and Close (the refund to
 * the wallet, with its transaction). The tab payer loads only when one is closed, keeping the first load small.
 */
export function OpenTabs() {
  const { network } = useNetwork();
  const tabs = openTabs(useLocalStore(tabStore, network.chainId));
  const [names, setNames] = useState<Record<string, string>>({});
  const [closing, setClosing] = useState<Record<string, "busy" | { error: string }>>({});
  const [closed, setClosed] = useState<{ refunded: bigint; transaction: string } | null>(null);
  const usdc = (atomic: bigint) => formatUsdc(atomic, network.usdc.decimals);

  // Agents by their route, for a tab's name (the tab keeps the route its refund goes to).
  const any = tabs.length > 0;
  useEffect(() => {
    if (!any) return;
    loadCatalog().then(
      (agents) => setNames(Object.fromEntries(agents.map((a) => [a.endpoint, a.name]))),
      () => undefined, // unnamed: the receiver's address is shown instead
    );
  }, [any]);

  const close = (tab: StoredTab) => {
    if (!tab.url) return;
    setClosing((c) => ({ ...c, [tab.channelId]: "busy" }));
    import("./tab-actions")
      .then((m) => m.closeTab(network, tab.url!))
      .then(
        (result) => setClosed(result),
        (err: Error) => setClosing((c) => ({ ...c, [tab.channelId]: { error: err.message } })),
      );
  };

  if (!any && !closed) return <p className="text-xs text-zinc-500">No open tab on {network.name}.</p>;
  return (
    <ul data-testid="open-tabs" className="flex flex-col gap-2 text-xs">
      {tabs.map((tab) => {
        const balance = BigInt(tab.context?.balance ?? "0");
        const spent = BigInt(tab.context?.chargedCumulativeAmount ?? "0");
        const state = closing[tab.channelId];
        const path = tab.url ? new URL(tab.url, window.location.origin).pathname : "";
        return (
          <li key={tab.channelId} data-testid="open-tab" className="flex flex-col gap-1 rounded-md border border-zinc-200 p-2 dark:border-zinc-800">
            <span className="font-medium">{names[path] ?? (tab.receiver ? short(tab.receiver) : short(tab.channelId))}</span>
            {tab.stopped && (
              <span data-testid="open-tab-stopped" className="text-red-700 dark:text-red-400" title={tab.stopped.message}>
                Stopped: {tabStoppedWhy(tab.stopped)}. Nothing more is signed for this agent until you close the tab or withdraw.
              </span>
            )}
            <span>
              <span data-testid="open-tab-left">{usdc(balance - spent)}</span> left of <span data-testid="open-tab-balance">{usdc(balance)}</span> · spent{" "}
              <span data-testid="open-tab-spent">{usdc(spent)}</span>
            </span>
            <div className="flex items-center gap-2">
              <Button size="sm" data-testid="open-tab-close" disabled={state === "busy" || !tab.url} onClick={() => close(tab)}>
                {state === "busy" ? "Closing…" : "Close · refund the rest"}
              </Button>
              {typeof state === "object" && <span className="text-red-700 dark:text-red-400">{state.error}</span>}
            </div>
            {tab.config && <TabWalletControls tab={tab} network={network} onWithdrawn={setClosed} />}
          </li>
        );
      })}
      {closed && (
        <li data-testid="open-tabs-refund" className="text-zinc-600 dark:text-zinc-400">
          Refunded {usdc(closed.refunded)} · <span className="break-all font-mono">{closed.transaction}</span>
        </li>
      )}
    </ul>
  );
}

type Busy = "idle" | "top-up" | "withdraw" | "finish";

/**
 * A tab's controls that go through the wallet, not the seller: Top up (one deposit), and the timed withdrawal with
 * its countdown, read from the chain (so a withdrawal under way shows again after a reload). The wallet pays the gas
 * of these transactions.
 */
export function TabWalletControls({ tab, network, onWithdrawn }: { tab: StoredTab; network: Network; onWithdrawn(result: { refunded: bigint; transaction: string }): void }) {
  const [chain, setChain] = useState<(TabOnChain & { clockSkew: number }) | null>(null);
  const [busy, setBusy] = useState<Busy>("idle");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ what: string; transaction: string } | null>(null);
  const [topUp, setTopUp] = useState("0.1");
  const now = useNow(chain?.withdrawal ? 1_000 : null);
  const usdc = (atomic: bigint) => formatUsdc(atomic, network.usdc.decimals);
  const actions = () => import("./tab-wallet-actions");

  useEffect(() => {
    let live = true;
    actions()
      .then((m) => m.tabChainState(network, tab))
      .then(
        (state) => live && setChain(state),
        () => undefined, // the chain could not be read: the withdrawal button still works, the contract decides
      );
    return () => {
      live = false;
    };
  }, [network, tab]);

  const run = (what: Exclude<Busy, "idle">, action: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    action().then(
      () => setBusy("idle"),
      (err: Error) => {
        setBusy("idle");
        setError(err.message);
      },
    );
  };
  const withdrawal = chain?.withdrawal ?? null;
  const left = withdrawal ? secondsLeft(withdrawal.readyAt, now / 1000 + chain!.clockSkew) : 0;
  const amount = parseLimit(topUp);

  return (
    <div className="flex flex-col gap-1">
      {!withdrawal && !tab.stopped && (
        <div className="flex items-center gap-2">
          <Input data-testid="open-tab-topup-amount" aria-label="Top-up in USDC" className="w-16" inputMode="decimal" value={topUp} onChange={(e) => setTopUp(e.target.value)} />
          <Button
            size="sm"
            data-testid="open-tab-topup"
            disabled={busy !== "idle" || amount === null || amount <= 0n}
            onClick={() =>
              run("top-up", async () => {
                const m = await actions();
                const result = await m.topUpTab(network, tab, amount!);
                setDone({ what: `Topped up ${usdc(amount!)}: the tab holds ${usdc(result.balance)}`, transaction: result.transaction });
                setChain(await m.tabChainState(network, tab));
              })
            }
          >
            {busy === "top-up" ? "Topping up…" : "Top up"}
          </Button>
        </div>
      )}
      {withdrawal ? (
        left > 0 ? (
          <span data-testid="open-tab-countdown">
            Withdrawing {usdc(withdrawal.amount)} without the seller · Ready in {formatCountdown(left)}
          </span>
        ) : (
          <Button
            size="sm"
            data-testid="open-tab-finish"
            disabled={busy !== "idle"}
            onClick={() =>
              run("finish", async () => {
                // The tab leaves the list: the refund and its transaction are shown below it.
                onWithdrawn(await (await actions()).finishTabWithdrawal(network, tab));
              })
            }
          >
            {busy === "finish" ? "Finishing…" : "Finish withdrawal"}
          </Button>
        )
      ) : (
        <Button
          size="sm"
          variant="secondary"
          data-testid="open-tab-withdraw"
          disabled={busy !== "idle"}
          title="A transaction from your wallet (it pays the gas): the seller has the tab's withdraw delay to claim what it charged, then the rest comes back."
          onClick={() =>
            run("withdraw", async () => {
              const result = await (await actions()).startWithdrawal(network, tab);
              setChain(result.state);
              setDone({ what: "Withdrawal requested", transaction: result.transaction });
            })
          }
        >
          {busy === "withdraw" ? "Requesting…" : "Withdraw without the seller"}
        </Button>
      )}
      {done && (
        <span data-testid="open-tab-done" className="text-zinc-600 dark:text-zinc-400">
          {done.what} · <span className="break-all font-mono">{done.transaction}</span>
        </span>
      )}
      {error && (
        <span data-testid="open-tab-error" className="text-red-700 dark:text-red-400">
          {error}
        </span>
      )}
    </div>
  );
}

/** The time now (ms), ticking every `everyMs` while set. */
function useNow(everyMs: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (everyMs === null) return;
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
