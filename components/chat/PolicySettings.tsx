"use client";

import { useId, useState, useSyncExternalStore } from "react";
import { useNetwork } from "@/components/network/NetworkProvider";
import { Input } from "@/components/ui/Input";
import { storageKeys } from "@/lib/browser/keys";
import { createLocalStore, useLocalStore } from "@/lib/browser/store";
import { USDC_DECIMALS } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { DEFAULT_POLICY, parseLimit, readBudgetUse, readPolicy, subscribeSpent, writePolicy, type SpendPolicy } from "@/lib/x402/payer/policy";

type Field = keyof SpendPolicy;

const FIELDS: Array<{ key: Field; label: string; spent?: "session" | "today"; spentLabel?: string }> = [
  { key: "maxPerMessage", label: "Max per message" },
  { key: "sessionBudget", label: "Budget per session", spent: "session", spentLabel: "this session" },
  { key: "dailyBudget", label: "Budget per day", spent: "today", spentLabel: "today" },
];

/** The stored policy, live across tabs; the paying fetch reads the same key when it pays. */
const policyStore = createLocalStore({
  key: () => storageKeys.policy,
  parse: (raw) => readPolicy({ getItem: () => raw, setItem: () => {} }),
  server: DEFAULT_POLICY,
});

const plain = (atomic: bigint) => formatUsdc(atomic, USDC_DECIMALS, { unit: false });
const drafts = (policy: SpendPolicy): Record<Field, string> => ({
  maxPerMessage: plain(policy.maxPerMessage),
  sessionBudget: plain(policy.sessionBudget),
  dailyBudget: plain(policy.dailyBudget),
});

type Use = { spent: bigint; reserved: bigint };

/**
 * What this network's budgets have spent and have reserved in tabs, live: this tab's payments (subscribeSpent) and
 * other tabs' (storage).
 */
function useSpent(chainId: number): { session: Use; today: Use } {
  const text = useSyncExternalStore(
    (onChange) => {
      const off = subscribeSpent(onChange);
      window.addEventListener("storage", onChange);
      return () => {
        off();
        window.removeEventListener("storage", onChange);
      };
    },
    () => {
      const { spent, reserved } = readBudgetUse({ local: window.localStorage, session: window.sessionStorage }, chainId);
      return `${spent.session}:${reserved.session}:${spent.today}:${reserved.today}`; // a string, so an unchanged value is the same snapshot
    },
    () => "0:0:0:0",
  );
  const [session, sessionReserved, today, todayReserved] = text.split(":").map(BigInt) as [bigint, bigint, bigint, bigint];
  return { session: { spent: session, reserved: sessionReserved }, today: { spent: today, reserved: todayReserved } };
}

/**
 * The spending policy the paying fetch enforces; above it the app asks before signing. Every valid keystroke is
 * saved at once: a limit on screen is the limit in force, never a draft the next payment ignores. A field that
 * does not hold an amount says so, with the limit still in force, and goes back to that limit when left.
 */
export function PolicySettings() {
  const { network } = useNetwork();
  const policy = useLocalStore(policyStore);
  const spent = useSpent(network.chainId);
  const [values, setValues] = useState(() => drafts(policy));
  // Another tab changed the policy: show its limits, except in a field being edited into something invalid.
  const [shown, setShown] = useState(policy);
  if (shown !== policy) {
    setShown(policy);
    const next = { ...values };
    for (const { key } of FIELDS) {
      if (parseLimit(values[key]) !== null && parseLimit(values[key]) !== policy[key]) next[key] = plain(policy[key]);
    }
    setValues(next);
  }
  const id = useId();

  const change = (key: Field, text: string) => {
    setValues({ ...values, [key]: text });
    const atomic = parseLimit(text);
    if (atomic !== null && atomic !== policy[key]) policyStore.update((storage) => writePolicy(storage, { ...policy, [key]: atomic }));
  };
  const unsaved = FIELDS.some(({ key }) => parseLimit(values[key]) === null);

  return (
    <form
      data-testid="policy-settings"
      data-state={unsaved ? "unsaved" : "saved"}
      aria-label="Spending limits"
      className="flex flex-col gap-3 text-sm"
      onSubmit={(e) => e.preventDefault()}
    >
      {FIELDS.map(({ key, label, spent: budget, spentLabel }) => {
        const invalid = parseLimit(values[key]) === null;
        const use = budget ? spent[budget] : null;
        const used = use ? use.spent : null;
        // The bar: spent, then reserved in tabs (lighter); together they are what the budget has no more of.
        const percent = (atomic: bigint) => (policy[key] > 0n ? Number((atomic * 1000n) / policy[key]) / 10 : atomic > 0n ? 100 : 0);
        const share = use ? percent(use.spent + use.reserved) : 0;
        const spentShare = use ? Math.min(100, percent(use.spent)) : 0;
        return (
          <div key={key} className="flex flex-col gap-1">
            <label className="flex items-center justify-between gap-2">
              <span className="text-zinc-600 dark:text-zinc-300">{label}</span>
              <span className="flex items-center gap-1">
                <Input
                  data-testid={`policy-${key}`}
                  inputMode="decimal"
                  autoComplete="off"
                  value={values[key]}
                  aria-invalid={invalid}
                  aria-describedby={invalid ? `${id}-${key}-error` : used !== null ? `${id}-${key}-spent` : undefined}
                  onChange={(e) => change(key, e.target.value)}
                  onBlur={() => invalid && setValues({ ...values, [key]: plain(policy[key]) })}
                  className={`w-24 text-right font-mono ${invalid ? "border-red-500 dark:border-red-500" : ""}`}
                />
                <span className="text-xs text-zinc-500">USDC</span>
              </span>
            </label>
            {invalid && (
              <p id={`${id}-${key}-error`} data-testid={`policy-${key}-error`} role="alert" className="text-xs text-red-700 dark:text-red-400">
                Not saved: type an amount with at most 6 decimals. {plain(policy[key])} USDC still applies.
              </p>
            )}
            {used !== null && (
              <div
                id={`${id}-${key}-spent`}
                data-testid={`policy-spent-${budget}`}
                data-atomic={used.toString()}
                data-reserved={use!.reserved.toString()}
                className="flex flex-col gap-0.5"
              >
                <div aria-hidden className="flex h-1.5 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800">
                  <div className={`h-full ${share >= 100 ? "bg-red-500" : share >= 80 ? "bg-amber-500" : "bg-emerald-500"}`} style={{ width: `${spentShare}%` }} />
                  <div className={`h-full ${share >= 100 ? "bg-red-300" : share >= 80 ? "bg-amber-300" : "bg-emerald-300"}`} style={{ width: `${Math.max(0, Math.min(100, share) - spentShare)}%` }} />
                </div>
                <p className="text-xs text-zinc-500 dark:text-zinc-400">
                  {use!.reserved > 0n
                    ? `${plain(used)} spent · ${plain(use!.reserved)} reserved in tabs of ${formatUsdc(policy[key], USDC_DECIMALS)} ${spentLabel}`
                    : `${plain(used)} of ${formatUsdc(policy[key], USDC_DECIMALS)} spent ${spentLabel}`}
                </p>
              </div>
            )}
          </div>
        );
      })}
      <p data-testid="policy-status" className="text-xs text-zinc-500 dark:text-zinc-400">
        {unsaved ? "A limit above is not saved yet." : "Saved as you type; the next message is checked against them."} Spending shown is on {network.name}.
      </p>
    </form>
  );
}
