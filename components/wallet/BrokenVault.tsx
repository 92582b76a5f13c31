"use client";

import { useState } from "react";
import type { VaultRead } from "@/lib/wallet/vault";
import { downloadText } from "./download";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { Notice } from "@/components/ui/Notice";
import { resetStoredVault } from "./useVault";

/** Stored data this version cannot use: shown, downloadable as is, and removed only on request. */
export function BrokenVault({ chainId, read }: { chainId: number; read: Extract<VaultRead, { raw: string }> }) {
  const [downloaded, setDownloaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const why =
    read.state === "unknown-version"
      ? `it was written by another version of the app (vault version ${String(read.version)})`
      : read.state === "corrupt"
        ? `it is damaged (${read.reason})`
        : "it cannot be read";

  return (
    <div className="flex flex-col gap-2" data-testid="vault-broken" data-state={read.state}>
      <Notice tone="warning">
        The wallet stored for this network cannot be used: {why}. It has not been changed. Download the raw data to
        keep it, then reset to start again.
      </Notice>
      <Button
        data-testid="vault-raw-download"
       
        onClick={() => {
          downloadText(`x402chat-vault-${chainId}-raw.json`, read.raw, "text/plain");
          setDownloaded(true);
        }}
      >
        Download raw data
      </Button>
      <Button
        data-testid="vault-reset"
        variant="danger"
       
        disabled={!downloaded}
        title={downloaded ? undefined : "Download the raw data first"}
        onClick={() => {
          try {
            resetStoredVault(chainId, read.raw);
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        Reset (deletes the stored data)
      </Button>
      <FormError message={error} />
    </div>
  );
}
