"use client";

import { useEffect, useState } from "react";
import { useLocalStore } from "@/lib/browser/store";
import { useNetwork } from "@/components/network/NetworkProvider";
import { DEFAULT_AUTO_LOCK_MINUTES, autoLockStore, walletSession, writeAutoLockMinutes } from "@/lib/wallet/session";
import { AccountView } from "./AccountView";
import { BrokenVault } from "./BrokenVault";
import { CreateWallet } from "./CreateWallet";
import { ImportWallet } from "./ImportWallet";
import { UnlockWallet } from "./UnlockWallet";
import { buttonClass } from "./styles";
import { useUnlockedAddress } from "./useSession";
import { useVault } from "./useVault";

const ACTIVITY_EVENTS = ["pointerdown", "keydown", "wheel"] as const;

/** The header's wallet: a status button and, when open, the panel for the selected network's vault. */
export function WalletArea() {
  const { network } = useNetwork();
  const read = useVault(network.chainId);
  const unlocked = useUnlockedAddress(network.chainId);
  const [open, setOpen] = useState(false);
  const [tab, setTab] = useState<"create" | "import">("create");
  const autoLockMinutes = useLocalStore(autoLockStore);

  // The idle countdown restarts on any user activity in this tab.
  useEffect(() => {
    const touch = () => walletSession.touch();
    for (const event of ACTIVITY_EVENTS) window.addEventListener(event, touch, { passive: true });
    return () => {
      for (const event of ACTIVITY_EVENTS) window.removeEventListener(event, touch);
    };
  }, []);

  useEffect(() => {
    if (autoLockMinutes !== null) walletSession.setIdleMinutes(autoLockMinutes);
  }, [autoLockMinutes]);

  // Another tab removed or replaced this network's wallet: the key unlocked here no longer belongs to it.
  const vaultAddress = read?.state === "ok" ? read.vault.address : null;
  useEffect(() => {
    if (unlocked !== null && unlocked !== vaultAddress) walletSession.lock(network.chainId);
  }, [unlocked, vaultAddress, network.chainId]);

  const state = read === null ? "loading" : read.state === "ok" ? (unlocked === vaultAddress ? "unlocked" : "locked") : read.state;
  const label =
    state === "loading"
      ? "Wallet…"
      : state === "empty"
        ? "Create wallet"
        : state === "locked"
          ? "Wallet locked"
          : state === "unlocked"
            ? `${vaultAddress!.slice(0, 6)}…${vaultAddress!.slice(-4)}`
            : "Wallet needs attention";

  return (
    <div data-testid="wallet-area" data-state={state} data-chain-id={network.chainId} className="relative">
      <button data-testid="wallet-toggle" className={buttonClass} aria-expanded={open} onClick={() => setOpen(!open)}>
        {label}
      </button>
      {open && read !== null && (
        <div
          data-testid="wallet-panel"
          key={network.chainId}
          className="absolute right-0 z-50 mt-2 flex w-80 flex-col gap-3 rounded-md border border-zinc-200 bg-white p-4 shadow-lg dark:border-zinc-800 dark:bg-zinc-950"
        >
          <div className="flex items-center justify-between">
            <span className="text-sm font-semibold">Wallet · {network.name}</span>
            <button className="text-sm text-zinc-500" aria-label="Close" onClick={() => setOpen(false)}>
              ✕
            </button>
          </div>
          {read.state === "empty" ? (
            <>
              <div className="flex gap-2">
                <button data-testid="tab-create" className={buttonClass} aria-pressed={tab === "create"} onClick={() => setTab("create")}>
                  Create
                </button>
                <button data-testid="tab-import" className={buttonClass} aria-pressed={tab === "import"} onClick={() => setTab("import")}>
                  Import
                </button>
              </div>
              {tab === "create" ? (
                <CreateWallet chainId={network.chainId} networkName={network.name} />
              ) : (
                <ImportWallet chainId={network.chainId} />
              )}
            </>
          ) : read.state === "ok" ? (
            unlocked === read.vault.address ? (
              <AccountView
                network={network}
                vault={read.vault}
                autoLockMinutes={autoLockMinutes ?? DEFAULT_AUTO_LOCK_MINUTES}
                onAutoLockMinutes={(minutes) => autoLockStore.update((storage) => writeAutoLockMinutes(storage, minutes))}
              />
            ) : (
              <UnlockWallet chainId={network.chainId} vault={read.vault} />
            )
          ) : (
            <BrokenVault chainId={network.chainId} read={read} />
          )}
        </div>
      )}
    </div>
  );
}
