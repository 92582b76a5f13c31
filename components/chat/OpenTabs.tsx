"use client";

import { useEffect, useState } from "react";
import { useNetwork } from "@/components/network/NetworkProvider";
import { Button } from "@/components/ui/Button";
import { useLocalStore } from "@/lib/browser/store";
import { formatUsdc } from "@/lib/chains/usdc";
import { openTabs, tabStore, type StoredTab } from "@/lib/x402/payer/tab-store";
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
            <span>
              <span data-testid="open-tab-left">{usdc(balance - spent)}</span> left of {usdc(balance)} · spent{" "}
              <span data-testid="open-tab-spent">{usdc(spent)}</span>
            </span>
            <div className="flex items-center gap-2">
              <Button size="sm" data-testid="open-tab-close" disabled={state === "busy" || !tab.url} onClick={() => close(tab)}>
                {state === "busy" ? "Closing…" : "Close · refund the rest"}
              </Button>
              {typeof state === "object" && <span className="text-red-700 dark:text-red-400">{state.error}</span>}
            </div>
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
