"use client";

import { useEffect, useId, useRef, useState } from "react";
import type { Address } from "viem";
import { useLocalStore } from "@/lib/browser/store";
import { useNetwork } from "@/components/network/NetworkProvider";
import { Button } from "@/components/ui/Button";
import type { Network } from "@/lib/chains/networks";
import { DEFAULT_AUTO_LOCK_MINUTES, autoLockStore, walletSession, writeAutoLockMinutes } from "@/lib/wallet/session";
import type { VaultRead } from "@/lib/wallet/vault";
import { AccountView } from "./AccountView";
import { BrokenVault } from "./BrokenVault";
import { CreateWallet } from "./CreateWallet";
import { ImportWallet } from "./ImportWallet";
import { OPEN_WALLET_EVENT } from "./open-wallet";
import { UnlockWallet } from "./UnlockWallet";
import { useUnlockedAddress } from "./useSession";
import { useVault } from "./useVault";

const ACTIVITY_EVENTS = ["pointerdown", "keydown", "wheel"] as const;

/** The header's wallet: a status button and, when open, the panel for the selected network's vault. */
export function WalletArea() {
  const { network } = useNetwork();
  const read = useVault(network.chainId);
  const unlocked = useUnlockedAddress(network.chainId);
  const [open, setOpen] = useState(false);
  // Kept here, not in the panel: the choice survives closing and reopening it.
  const [tab, setTab] = useState<Tab>("create");
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

  const state = walletState(read, unlocked);
  const toggleLabel = state === "unlocked" ? `${vaultAddress!.slice(0, 6)}…${vaultAddress!.slice(-4)}` : TOGGLE_LABELS[state];
  const onAutoLockMinutes = (minutes: number) => autoLockStore.update((storage) => writeAutoLockMinutes(storage, minutes));

  const area = useRef<HTMLDivElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const titleId = useId();

  // Opened from elsewhere on the page: the first-steps guide, an error's action.
  useEffect(() => {
    const show = () => setOpen(true);
    window.addEventListener(OPEN_WALLET_EVENT, show);
    return () => window.removeEventListener(OPEN_WALLET_EVENT, show);
  }, []);

  // While open: the focus moves into the panel; Escape closes it (the focus back on its button), and so does a
  // click anywhere outside it, except in what the panel opened on top of the page (RainbowKit's modal, a dialog).
  useEffect(() => {
    if (!open) return;
    const first = panel.current?.querySelector<HTMLElement>("input, select, textarea, button:not([aria-label='Close']), a[href]");
    (first ?? panel.current)?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented || isOnTop(event.target)) return;
      setOpen(false);
      toggle.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (area.current?.contains(target) || isOnTop(target)) return;
      setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open]);

  return (
    <div ref={area} data-testid="wallet-area" data-state={state} data-chain-id={network.chainId} className="relative shrink-0">
      <Button
        ref={toggle}
        data-testid="wallet-toggle"
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={() => setOpen(!open)}
        className={`whitespace-nowrap ${state === "empty" ? "border-emerald-700 font-medium text-emerald-800 dark:text-emerald-300" : ""}`}
      >
        {toggleLabel}
      </Button>
      {open && read !== null && (
        <div
          ref={panel}
          role="dialog"
          aria-labelledby={titleId}
          tabIndex={-1}
          data-testid="wallet-panel"
          key={network.chainId}
          className="absolute right-0 z-50 mt-2 flex max-h-[calc(100dvh-4.5rem)] w-80 max-w-[calc(100vw-1.5rem)] flex-col gap-3 overflow-y-auto rounded-md border border-zinc-200 bg-white p-4 shadow-lg focus:outline-none dark:border-zinc-800 dark:bg-zinc-950"
        >
          <div className="flex items-center justify-between">
            <h2 id={titleId} className="text-sm font-semibold">
              Wallet · {network.name}
            </h2>
            <Button
              variant="ghost"
              aria-label="Close"
              onClick={() => {
                setOpen(false);
                toggle.current?.focus();
              }}
            >
              ✕
            </Button>
          </div>
          <WalletPanelBody
            network={network}
            read={read}
            unlocked={unlocked}
            tab={tab}
            onTab={setTab}
            autoLockMinutes={autoLockMinutes ?? DEFAULT_AUTO_LOCK_MINUTES}
            onAutoLockMinutes={onAutoLockMinutes}
          />
        </div>
      )}
    </div>
  );
}

/** Inside something the panel put above the page: RainbowKit's connect modal (data-rk), or a modal <dialog>. */
function isOnTop(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest("[data-rk], dialog[open]") !== null;
}

type Tab = "create" | "import";
type WalletState = "loading" | "empty" | "locked" | "unlocked" | Exclude<VaultRead["state"], "empty" | "ok">;

const TOGGLE_LABELS: Record<Exclude<WalletState, "unlocked">, string> = {
  loading: "Wallet…",
  empty: "Create wallet",
  locked: "Wallet locked",
  corrupt: "Wallet needs attention",
  "unknown-version": "Wallet needs attention",
};

function walletState(read: VaultRead | null, unlocked: Address | null): WalletState {
  if (read === null) return "loading";
  if (read.state !== "ok") return read.state;
  return unlocked === read.vault.address ? "unlocked" : "locked";
}

/** What the open panel shows for the network's vault: create or import, unlock, the account, or the damage. */
function WalletPanelBody(props: {
  network: Network;
  read: VaultRead;
  unlocked: Address | null;
  tab: Tab;
  onTab: (tab: Tab) => void;
  autoLockMinutes: number;
  onAutoLockMinutes: (minutes: number) => void;
}) {
  const { network, read } = props;
  if (read.state === "empty") return <NewWallet network={network} tab={props.tab} onTab={props.onTab} />;
  if (read.state !== "ok") return <BrokenVault chainId={network.chainId} read={read} />;
  if (props.unlocked !== read.vault.address) return <UnlockWallet chainId={network.chainId} vault={read.vault} />;
  return <AccountView network={network} vault={read.vault} autoLockMinutes={props.autoLockMinutes} onAutoLockMinutes={props.onAutoLockMinutes} />;
}

function NewWallet({ network, tab, onTab: setTab }: { network: Network; tab: Tab; onTab: (tab: Tab) => void }) {
  return (
    <>
      <div className="flex gap-2">
        <Button data-testid="tab-create" aria-pressed={tab === "create"} onClick={() => setTab("create")}>
          Create
        </Button>
        <Button data-testid="tab-import" aria-pressed={tab === "import"} onClick={() => setTab("import")}>
          Import
        </Button>
      </div>
      {tab === "create" ? <CreateWallet chainId={network.chainId} networkName={network.name} /> : <ImportWallet chainId={network.chainId} />}
    </>
  );
}
