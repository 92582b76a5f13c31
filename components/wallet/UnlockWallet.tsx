"use client";

import { useEffect, useState } from "react";
import { walletSession } from "@/lib/wallet/session";
import type { Vault } from "@/lib/wallet/vault";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { useFormSubmit } from "@/components/ui/useFormSubmit";
import { loadQrCode } from "./AddressQr";
import { SecretField } from "./fields";

export function UnlockWallet({ chainId, vault }: { chainId: number; vault: Vault }) {
  const [password, setPassword] = useState("");
  // Fetched and compiled while the user types, so the click pays only the KDF (issue 17: unlock ≤ 300 ms): the
  // keystore's crypto, and the QR code the unlocked panel shows first. A failure here is left to the click (and
  // the panel), which load the module again and report what goes wrong.
  const [prepared, setPrepared] = useState(false);
  useEffect(() => {
    let live = true;
    Promise.allSettled([import("@/lib/wallet/keystore").then((keystore) => keystore.prepareKeystore()), loadQrCode()]).finally(
      () => live && setPrepared(true),
    );
    return () => {
      live = false;
    };
  }, []);
  const { busy, error, submit } = useFormSubmit(async () => {
    const { accountOf, decryptKeystore } = await import("@/lib/wallet/keystore");
    const { privateKey } = await decryptKeystore(vault.keystore, password);
    walletSession.unlock(chainId, accountOf(privateKey), vault.address);
  });

  return (
    <form className="flex flex-col gap-2" onSubmit={submit} data-testid="unlock-form" data-prepared={prepared}>
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
