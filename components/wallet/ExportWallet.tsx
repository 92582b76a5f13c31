"use client";

import { useState } from "react";
import type { Hex } from "viem";
import type { Vault } from "@/lib/wallet/vault";
import { downloadText } from "./download";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { Notice } from "@/components/ui/Notice";
import { useFormSubmit } from "@/components/ui/useFormSubmit";
import { SecretField } from "./fields";

/** The backup: only after the password is entered again. The key stays in this component until it closes. */
export function ExportWallet({ vault, onClose }: { vault: Vault; onClose: () => void }) {
  const [password, setPassword] = useState("");
  const [privateKey, setPrivateKey] = useState<Hex | null>(null);
  const [revealed, setRevealed] = useState(false);
  const { busy, error, submit } = useFormSubmit(async () => {
    const { decryptKeystore } = await import("@/lib/wallet/keystore");
    setPrivateKey((await decryptKeystore(vault.keystore, password)).privateKey);
    setPassword("");
  });

  if (privateKey === null) {
    return (
      <form className="flex flex-col gap-2" onSubmit={submit} data-testid="export-form">
        <SecretField label="Enter your password again to export" testId="export-password" value={password} onChange={setPassword} autoComplete="current-password" />
        <FormError testId="export-error" message={error} />
        <div className="flex gap-2">
          <Button data-testid="export-submit" type="submit" variant="primary" disabled={busy || !password}>
            {busy ? "Checking…" : "Continue"}
          </Button>
          <Button type="button" onClick={onClose}>
            Cancel
          </Button>
        </div>
      </form>
    );
  }

  const filename = `UTC--${vault.createdAt.replace(/:/g, "-")}--${vault.address.slice(2).toLowerCase()}.json`;
  return (
    <div className="flex flex-col gap-2" data-testid="export-panel">
      <Notice tone="warning">
        Anyone with this private key or with the keystore file and its password can spend everything in this wallet.
        Keep them offline and never paste them into a website or a chat.
      </Notice>
      <Button
        data-testid="export-download"
       
        onClick={() => downloadText(filename, JSON.stringify(vault.keystore, null, 2))}
      >
        Download keystore file (encrypted, for MetaMask or geth)
      </Button>
      {revealed ? (
        <code data-testid="export-private-key" className="break-all rounded bg-zinc-100 p-2 text-xs dark:bg-zinc-800">
          {privateKey}
        </code>
      ) : (
        <Button data-testid="export-reveal" onClick={() => setRevealed(true)}>
          Show private key
        </Button>
      )}
      <Button data-testid="export-close" onClick={onClose}>
        Done
      </Button>
    </div>
  );
}
