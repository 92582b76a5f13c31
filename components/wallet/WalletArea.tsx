"use client";

import { useNetwork } from "@/components/network/NetworkProvider";

/** Placeholder for the in-browser wallet: create, unlock, fund, export. */
export function WalletArea() {
  const { network } = useNetwork();
  return (
    <div
      data-testid="wallet-area"
      className="rounded-md border border-dashed border-zinc-300 px-3 py-1 text-sm text-zinc-500 dark:border-zinc-700"
    >
      Wallet · {network.name}
    </div>
  );
}
