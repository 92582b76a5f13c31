"use client";

import { useState } from "react";
import type { Hex } from "viem";
import { walletSession } from "@/lib/wallet/session";
import { PasswordFields, newPasswordProblem } from "./PasswordFields";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { useFormSubmit } from "@/components/ui/useFormSubmit";
import { SecretField } from "./fields";
import { storeNewVault } from "./useVault";

type Source = "key" | "file";

/**
 * Imports a private key (encrypted with a new password) or a keystore file (kept under its own password unless a
 * new one is given). Either way it is re-encrypted in our format before it is stored.
 */
export function ImportWallet({ chainId }: { chainId: number }) {
  const [source, setSource] = useState<Source>("file");
  const [privateKey, setPrivateKey] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [filePassword, setFilePassword] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const { busy, error, submit } = useFormSubmit(async () => {
    const wantsNewPassword = source === "key" || password !== "" || confirm !== "";
    const problem = wantsNewPassword ? newPasswordProblem(password, confirm) : null;
    if (problem) return problem;
    if (source === "file" && !file) return "Choose a keystore file";
    const keystore = await import("@/lib/wallet/keystore");
    let key: Hex;
    // Under the file's own password the vault is written at least as strong as the file was.
    let scryptN: number | undefined;
    if (source === "key") {
      key = keystore.parsePrivateKey(privateKey).privateKey;
    } else {
      const text = await file!.text();
      key = (await keystore.decryptKeystore(text, filePassword)).privateKey;
      if (!wantsNewPassword) scryptN = keystore.scryptNToKeep(text);
    }
    const encrypted = await keystore.encryptKeystore(key, wantsNewPassword ? password : filePassword, { scryptN });
    const vault = storeNewVault(chainId, encrypted);
    walletSession.unlock(chainId, keystore.accountOf(key), vault.address);
  });

  return (
    <form className="flex flex-col gap-2" onSubmit={submit} data-testid="import-form">
      <div className="flex gap-2" role="radiogroup">
        {(["file", "key"] as const).map((s) => (
          <Button
            key={s}
            type="button"
            role="radio"
            aria-checked={source === s}
            data-testid={`import-source-${s}`}
            onClick={() => setSource(s)}
          >
            {s === "file" ? "Keystore file" : "Private key"}
          </Button>
        ))}
      </div>
      {source === "key" ? (
        <SecretField label="Private key (hex)" testId="import-private-key" value={privateKey} onChange={setPrivateKey} autoComplete="off" />
      ) : (
        <>
          <label className="flex flex-col gap-1 text-sm">
            Keystore file (JSON)
            <input
              data-testid="import-file"
              type="file"
              accept="application/json,.json"
              className="text-sm"
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            />
          </label>
          <SecretField label={<>The file&apos;s password</>} testId="import-file-password" value={filePassword} onChange={setFilePassword} autoComplete="off" />
          <p className="text-xs text-zinc-500">Leave the fields below empty to keep the file&apos;s password.</p>
        </>
      )}
      <PasswordFields prefix="import" password={password} confirm={confirm} onPassword={setPassword} onConfirm={setConfirm} />
      <FormError testId="import-error" message={error} />
      <Button data-testid="import-submit" type="submit" variant="primary" disabled={busy}>
        {busy ? "Importing…" : "Import wallet"}
      </Button>
    </form>
  );
}
