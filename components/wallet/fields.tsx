"use client";

import type { ReactNode } from "react";
import { errorClass, inputClass } from "./styles";

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
      <input
        data-testid={props.testId}
        type="password"
        autoComplete={props.autoComplete}
        className={inputClass}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}

/** A form's error line, announced to screen readers; nothing while there is none. */
export function FormError({ testId, message }: { testId: string; message: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" data-testid={testId} className={errorClass}>
      {message}
    </p>
  );
}
