"use client";

import { MIN_PASSWORD_LENGTH } from "@/lib/wallet/keystore-format";
import { inputClass } from "./styles";

/** A new password and its confirmation; `problem` says what is wrong with them, null when fine. */
export function newPasswordProblem(password: string, confirm: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `The password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password !== confirm) return "The two passwords differ";
  return null;
}

export function PasswordFields(props: {
  prefix: string;
  password: string;
  confirm: string;
  onPassword: (v: string) => void;
  onConfirm: (v: string) => void;
}) {
  return (
    <>
      <label className="flex flex-col gap-1 text-sm">
        New password (at least {MIN_PASSWORD_LENGTH} characters)
        <input
          data-testid={`${props.prefix}-password`}
          type="password"
          autoComplete="new-password"
          className={inputClass}
          value={props.password}
          onChange={(e) => props.onPassword(e.target.value)}
        />
      </label>
      <label className="flex flex-col gap-1 text-sm">
        Confirm password
        <input
          data-testid={`${props.prefix}-confirm`}
          type="password"
          autoComplete="new-password"
          className={inputClass}
          value={props.confirm}
          onChange={(e) => props.onConfirm(e.target.value)}
        />
      </label>
    </>
  );
}
