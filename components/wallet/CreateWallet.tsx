"use client";

import { useState } from "react";
import { walletSession } from "@/lib/wallet/session";
import { PasswordFields, newPasswordProblem } from "./PasswordFields";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { useFormSubmit } from "@/components/ui/useFormSubmit";
import { storeNewVault } from "./useVault";

/** Makes a key in this browser, stores it encrypted with the password, and leaves it unlocked. */
export function CreateWallet({ chainId, networkName }: { chainId: number; networkName: string }) {
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const { busy, error, submit } = useFormSubmit(async () => {
    const problem = newPasswordProblem(password, confirm);
    if (problem) return problem;
    // Loaded on demand: the keystore's crypto is not needed to show the page.
    const { accountOf, createPrivateKey, encryptKeystore } = await import("@/lib/wallet/keystore");
    const privateKey = createPrivateKey();
    const vault = storeNewVault(chainId, await encryptKeystore(privateKey, password));
    walletSession.unlock(chainId, accountOf(privateKey), vault.address);
  });

  return (
    <form className="flex flex-col gap-2" onSubmit={submit} data-testid="create-form">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Create a wallet for {networkName}. Its key is made and encrypted in this browser; the password cannot be
        recovered, so export a backup once it is created.
      </p>
      <PasswordFields prefix="create" password={password} confirm={confirm} onPassword={setPassword} onConfirm={setConfirm} />
      <FormError testId="create-error" message={error} />
      <Button data-testid="create-submit" type="submit" variant="primary" disabled={busy}>
        {busy ? "Encrypting…" : "Create wallet"}
      </Button>
    </form>
  );
}
