"use client";

import type { ReactNode } from "react";
import { Input } from "@/components/ui/Input";

/** A labelled field whose text is never shown: passwords and private keys. */
export function SecretField(props: {
  label: ReactNode;
  testId: string;
  value: string;
  onChange: (value: string) => void;
  autoComplete: "current-password" | "new-password" | "off";
}) {
  return (
    <label className="flex flex-col gap-1 text-sm">
      {props.label}
      <Input
        data-testid={props.testId}
        type="password"
        autoComplete={props.autoComplete}
        className="w-full"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}
