"use client";

import dynamic from "next/dynamic";
import { useState } from "react";
import type { Network } from "@/lib/chains/networks";
import { AUTO_LOCK_CHOICES, walletSession } from "@/lib/wallet/session";
import type { Vault } from "@/lib/wallet/vault";
import { AddressQr } from "./AddressQr";
import { Balances } from "./Balances";
import { ExportWallet } from "./ExportWallet";
import { FundWallet } from "./FundWallet";
import { Button } from "@/components/ui/Button";
import { Select } from "@/components/ui/Input";

// Loaded on demand: wagmi and RainbowKit are most of a wallet app's JavaScript (see ExternalWallets).
const ExternalWallets = dynamic(() => import("./external/ExternalWallets"), {
  ssr: false,
  loading: () => <p className="text-sm text-zinc-500">Loading wallets…</p>,
});

export function AccountView(props: {
  network: Network;
  vault: Vault;
  autoLockMinutes: number;
  onAutoLockMinutes: (minutes: number) => void;
}) {
  const { network, vault } = props;
  const [exporting, setExporting] = useState(false);
  const [copied, setCopied] = useState(false);
  const [external, setExternal] = useState(false);

  return (
    <div className="flex flex-col gap-3" data-testid="account-view">
      <div className="flex flex-col gap-1">
        <span className="text-xs uppercase tracking-wide text-zinc-500">Address on {network.name}</span>
        <div className="flex items-center gap-2">
          <code data-testid="wallet-address" className="break-all text-xs">
            {vault.address}
          </code>
          <Button
            data-testid="copy-address"
           
            onClick={() =>
              navigator.clipboard.writeText(vault.address).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? "Copied" : "Copy"}
          </Button>
        </div>
      </div>
      <AddressQr address={vault.address} />
      <Balances chainId={network.chainId} address={vault.address} />
      <FundWallet network={network} address={vault.address} />
      {external ? (
        <ExternalWallets network={network} address={vault.address} />
      ) : (
        <Button data-testid="external-open" onClick={() => setExternal(true)}>
          Connect external wallet
        </Button>
      )}
      {exporting ? (
        <ExportWallet vault={vault} onClose={() => setExporting(false)} />
      ) : (
        <Button data-testid="export-open" onClick={() => setExporting(true)}>
          Export / back up
        </Button>
      )}
      <div className="flex items-center justify-between gap-2">
        <label className="flex items-center gap-2 text-sm">
          Auto-lock after
          <Select
            data-testid="auto-lock-select"
            value={props.autoLockMinutes}
            onChange={(e) => props.onAutoLockMinutes(Number(e.target.value))}
          >
            {AUTO_LOCK_CHOICES.map((m) => (
              <option key={m} value={m}>
                {m < 60 ? `${m} min` : `${m / 60} h`}
              </option>
            ))}
          </Select>
        </label>
        <Button data-testid="wallet-lock" onClick={() => walletSession.lock()}>
          Lock
        </Button>
      </div>
    </div>
  );
}
