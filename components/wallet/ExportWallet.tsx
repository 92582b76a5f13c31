"use client";

import { useState, type FormEvent } from "react";
import type { Hex } from "viem";
import type { Vault } from "@/lib/wallet/vault";
import { downloadText } from "./download";
import { buttonClass, primaryButtonClass, warningClass } from "./styles";
import { FormError, SecretField } from "./fields";

/** The backup: only after the password is entered again. The key stays in this component until it closes. */
export function ExportWallet({ vault, onClose }: { vault: Vault; onClose: () => void }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [privateKey, setPrivateKey] = useState<Hex | null>(null);
  const [revealed, setRevealed] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { decryptKeystore } = await import("@/lib/wallet/keystore");
      setPrivateKey((await decryptKeystore(vault.keystore, password)).privateKey);
      setPassword("");
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  if (privateKey === null) {
    return (
      <form className="flex flex-col gap-2" onSubmit={submit} data-testid="export-form">
        <SecretField label="Enter your password again to export" testId="export-password" value={password} onChange={setPassword} autoComplete="current-password" />
        <FormError testId="export-error" message={error} />
        <div className="flex gap-2">
          <button data-testid="export-submit" type="submit" className={primaryButtonClass} disabled={busy || !password}>
            {busy ? "Checking…" : "Continue"}
          </button>
          <button type="button" className={buttonClass} onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    );
  }

  const filename = `UTC--${vault.createdAt.replace(/:/g, "-")}--${vault.address.slice(2).toLowerCase()}.json`;
  return (
    <div className="flex flex-col gap-2" data-testid="export-panel">
      <p className={warningClass}>
        Anyone with this private key or with the keystore file and its password can spend everything in this wallet.
        Keep them offline and never paste them into a website or a chat.
      </p>
      <button
        data-testid="export-download"
        className={buttonClass}
        onClick={() => downloadText(filename, JSON.stringify(vault.keystore, null, 2))}
      >
        Download keystore file (encrypted, for MetaMask or geth)
      </button>
      {revealed ? (
        <code data-testid="export-private-key" className="break-all rounded bg-zinc-100 p-2 text-xs dark:bg-zinc-800">
          {privateKey}
        </code>
      ) : (
        <button data-testid="export-reveal" className={buttonClass} onClick={() => setRevealed(true)}>
          Show private key
        </button>
      )}
      <button data-testid="export-close" className={buttonClass} onClick={onClose}>
        Done
      </button>
    </div>
  );
}
