"use client";

import { useState, type FormEvent } from "react";
import { walletSession } from "@/lib/wallet/session";
import type { Vault } from "@/lib/wallet/vault";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { SecretField } from "./fields";

export function UnlockWallet({ chainId, vault }: { chainId: number; vault: Vault }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { accountOf, decryptKeystore } = await import("@/lib/wallet/keystore");
      const { privateKey } = await decryptKeystore(vault.keystore, password);
      walletSession.unlock(chainId, accountOf(privateKey), vault.address);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <form className="flex flex-col gap-2" onSubmit={submit} data-testid="unlock-form">
      <p className="text-sm">
        Locked wallet <span className="font-mono text-xs">{vault.address}</span>
      </p>
      <SecretField label="Password" testId="unlock-password" value={password} onChange={setPassword} autoComplete="current-password" />
      <FormError testId="unlock-error" message={error} />
      <Button data-testid="unlock-submit" type="submit" variant="primary" disabled={busy || !password}>
        {busy ? "Unlocking…" : "Unlock"}
      </Button>
    </form>
  );
}
