"use client";

import { useEffect, useState } from "react";
import { useLocalStore } from "@/lib/browser/store";
import type { Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { parseLimit, readPolicy, readSpent } from "@/lib/x402/payer/policy";
import { DEFAULT_DEPOSIT_MESSAGES, tabDeposit } from "@/lib/x402/payer/tab-client";
import { openTabs, tabStore, type StoredTab } from "@/lib/x402/payer/tab-store";
import type { ChatAgent } from "@/lib/x402/payer/chat-agent";
import { Button } from "@/components/ui/Button";
import { Input } from "@/components/ui/Input";
import { TabWalletControls } from "./OpenTabs";
import { tabStoppedWhy } from "./tab-format";
import type { TabChoice } from "./usePayingTransport";

/**
 * The open tab this browser holds with the agent (its receiver), if any: a stopped one too, which stays the agent's
 * tab (nothing more is signed for the agent) until it is closed or withdrawn.
 */
export function agentTab(tabs: StoredTab[], agent: ChatAgent): StoredTab | undefined {
  const payTo = agent.shown?.payTo.toLowerCase();
  return payTo ? openTabs(tabs).find((t) => t.receiver?.toLowerCase() === payTo) : undefined;
}

/** Whether a tab with the agent was ever stopped (it cheated): its tab is never paid again, so none is proposed. */
function agentCheated(tabs: StoredTab[], agent: ChatAgent): boolean {
  const payTo = agent.shown?.payTo.toLowerCase();
  return payTo !== undefined && tabs.some((t) => t.stopped && t.receiver?.toLowerCase() === payTo);
}

/**
 * "Open a tab of X USDC with <agent>", for an agent that offers one: the deposit proposed covers about 20 messages
 * at its price, bounded by the budgets left; the user may change it. Until they open one, every message pays
 * `exact` as before. Once open: the tab's balance, what it has spent, and Close (the refund).
 */
export function TabProposal({ agent, network, chooseTab, closeTab }: {
  agent: ChatAgent;
  network: Network;
  /** Tells the transport to pay this agent's messages by tab (null: `exact` again). */
  chooseTab(choice: TabChoice | null): void;
  closeTab(url: string): Promise<{ refunded: bigint; transaction: string }>;
}) {
  const tabs = useLocalStore(tabStore, network.chainId);
  const open = agentTab(tabs, agent);
  // A tab left open (a reload, another page) goes on paying: opening it was the user's choice.
  const [chosen, setChosen] = useState(() => open !== undefined);
  const [amount, setAmount] = useState<string | null>(null);
  const [closing, setClosing] = useState<"idle" | "busy" | { error: string } | { refunded: bigint; transaction: string }>("idle");
  const usdc = (atomic: bigint) => formatUsdc(atomic, network.usdc.decimals);
  // A tab closed elsewhere (the side panel's open tabs) ends the choice: messages pay `exact` until one is opened.
  const [shown, setShown] = useState(open?.channelId);
  if (shown !== open?.channelId) {
    setShown(open?.channelId);
    if (shown && !open) setChosen(false);
  }
  useEffect(() => chooseTab(chosen ? {} : null), [chosen, chooseTab]);
  if (typeof window === "undefined" || !agent.tab || agent.blocked || !agent.shown) return null;

  const price = agent.shown.amount;
  const proposed = (() => {
    const deposit = tabDeposit({ price, messages: DEFAULT_DEPOSIT_MESSAGES, minimum: price, policy: readPolicy(window.localStorage), spent: readSpent({ local: window.localStorage, session: window.sessionStorage }, network.chainId) });
    return deposit.ok ? deposit.amount : null;
  })();
  const typed = amount === null ? proposed : parseLimit(amount);
  const closeButton = (url: string) => (
    <Button
      size="sm"
      data-testid="tab-close"
      disabled={closing === "busy"}
      onClick={() => {
        setClosing("busy");
        closeTab(url).then(
          (result) => {
            setClosing(result);
            setChosen(false);
          },
          (err: Error) => setClosing({ error: err.message }),
        );
      }}
    >
      {closing === "busy" ? "Closing…" : "Close tab"}
    </Button>
  );
  const closeError = typeof closing === "object" && "error" in closing && (
    <span data-testid="tab-close-error" className="text-red-700 dark:text-red-400">
      {closing.error}
    </span>
  );

  if (open?.stopped) {
    const balance = BigInt(open.context?.balance ?? "0");
    const spent = BigInt(open.context?.chargedCumulativeAmount ?? "0");
    return (
      <div data-testid="tab-bar" className="flex flex-col gap-2 border-t border-zinc-200 px-4 py-2 text-xs dark:border-zinc-800">
        <span data-testid="tab-stopped" className="text-red-700 dark:text-red-400" title={open.stopped.message}>
          Tab with {agent.name} stopped: {tabStoppedWhy(open.stopped)}, so nothing more is signed for {agent.name}. Close the tab to get the{" "}
          {usdc(balance - spent)} left back, or withdraw it without the agent.
        </span>
        <div className="flex flex-wrap items-start gap-2">
          {open.url && closeButton(open.url)}
          {open.config && <TabWalletControls tab={open} network={network} onWithdrawn={() => setChosen(false)} />}
        </div>
        {closeError}
      </div>
    );
  }

  if (chosen) {
    const balance = BigInt(open?.context?.balance ?? "0");
    const spent = BigInt(open?.context?.chargedCumulativeAmount ?? "0");
    return (
      <div data-testid="tab-bar" className="flex flex-wrap items-center gap-3 border-t border-zinc-200 px-4 py-2 text-xs dark:border-zinc-800">
        {open ? (
          <span data-testid="tab-state">
            Tab with {agent.name}: <strong data-testid="tab-left">{usdc(balance - spent)}</strong> left of {usdc(balance)} · spent{" "}
            <span data-testid="tab-spent">{usdc(spent)}</span>
          </span>
        ) : typeof closing === "object" && "transaction" in closing ? (
          <span data-testid="tab-closed">
            Tab closed: {usdc(closing.refunded)} refunded · <span className="font-mono">{closing.transaction.slice(0, 10)}…</span>
          </span>
        ) : (
          <span data-testid="tab-pending">Your next message opens a tab with {agent.name}.</span>
        )}
        {open?.url && closeButton(open.url)}
        {closeError}
      </div>
    );
  }

  // A receiver that cheated on a tab is never paid by tab again (its messages pay `exact` once that tab is closed).
  if (agentCheated(tabs, agent)) {
    return typeof closing === "object" && "transaction" in closing ? (
      <div data-testid="tab-bar" className="border-t border-zinc-200 px-4 py-2 text-xs dark:border-zinc-800">
        <span data-testid="tab-closed">Tab closed: {usdc(closing.refunded)} refunded.</span>
      </div>
    ) : null;
  }

  return (
    <div data-testid="tab-proposal" className="flex flex-wrap items-center gap-2 border-t border-zinc-200 px-4 py-2 text-xs dark:border-zinc-800">
      {typeof closing === "object" && "transaction" in closing && (
        <span data-testid="tab-closed">Tab closed: {usdc(closing.refunded)} refunded.</span>
      )}
      <span>Open a tab of</span>
      <Input
        data-testid="tab-amount"
        aria-label="Tab deposit in USDC"
        className="w-20"
        inputMode="decimal"
        value={amount ?? (proposed === null ? "" : formatUsdc(proposed, network.usdc.decimals, { unit: false }))}
        onChange={(e) => setAmount(e.target.value)}
      />
      <span>USDC with {agent.name}: one signature, then no prompt per message.</span>
      <Button
        size="sm"
        data-testid="tab-open"
        disabled={typed === null || typed < price}
        onClick={() => {
          chooseTab(amount === null ? {} : { amount: typed ?? undefined });
          setChosen(true);
        }}
      >
        Open a tab
      </Button>
    </div>
  );
}
