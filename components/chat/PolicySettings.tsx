"use client";

import { useState } from "react";
import { parseUnits } from "viem";
import { USDC_DECIMALS } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { Input } from "@/components/ui/Input";
import { readPolicy, writePolicy, type SpendPolicy } from "@/lib/x402/payer/policy";

const FIELDS: Array<{ key: keyof SpendPolicy; label: string }> = [
  { key: "maxPerMessage", label: "Max per message" },
  { key: "sessionBudget", label: "Budget per session" },
  { key: "dailyBudget", label: "Budget per day" },
];

/** The spending policy the paying fetch enforces; above it the app asks before signing. */
export function PolicySettings() {
  // Rendered in the browser only (see SidePanel), so the stored policy can be read at once.
  const [values, setValues] = useState<Record<keyof SpendPolicy, string>>(() => {
    const policy = readPolicy(window.localStorage);
    return {
      maxPerMessage: formatUsdc(policy.maxPerMessage, USDC_DECIMALS, { unit: false }),
      sessionBudget: formatUsdc(policy.sessionBudget, USDC_DECIMALS, { unit: false }),
      dailyBudget: formatUsdc(policy.dailyBudget, USDC_DECIMALS, { unit: false }),
    };
  });
  const [saved, setSaved] = useState(false);

  const valid = FIELDS.every(({ key }) => /^\d+(\.\d{1,6})?$/.test(values[key]));
  const save = () => {
    writePolicy(window.localStorage, {
      maxPerMessage: parseUnits(values.maxPerMessage, USDC_DECIMALS),
      sessionBudget: parseUnits(values.sessionBudget, USDC_DECIMALS),
      dailyBudget: parseUnits(values.dailyBudget, USDC_DECIMALS),
    });
    setSaved(true);
  };

  return (
    <form
      data-testid="policy-settings"
      className="flex flex-col gap-2 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) save();
      }}
    >
      {FIELDS.map(({ key, label }) => (
        <label key={key} className="flex items-center justify-between gap-2">
          <span className="text-zinc-600 dark:text-zinc-400">{label}</span>
          <span className="flex items-center gap-1">
            <Input
              data-testid={`policy-${key}`}
              inputMode="decimal"
              value={values[key]}
              onChange={(e) => {
                setSaved(false);
                setValues({ ...values, [key]: e.target.value.trim() });
              }}
              className="w-20 text-right font-mono"
            />
            USDC
          </span>
        </label>
      ))}
      <Button data-testid="policy-save" type="submit" size="sm" disabled={!valid} className="self-end">
        {saved ? "Saved" : "Save limits"}
      </Button>
      <FormError message={valid ? null : "Amounts are USDC with at most 6 decimals."} />
    </form>
  );
}
