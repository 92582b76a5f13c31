"use client";

import { MIN_PASSWORD_LENGTH } from "@/lib/wallet/keystore-format";
import { SecretField } from "./fields";

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
      <SecretField label={<>New password (at least {MIN_PASSWORD_LENGTH} characters)</>} testId={`${props.prefix}-password`} value={props.password} onChange={props.onPassword} autoComplete="new-password" />
      <SecretField label="Confirm password" testId={`${props.prefix}-confirm`} value={props.confirm} onChange={props.onConfirm} autoComplete="new-password" />
    </>
  );
}
