"use client";

import { useSyncExternalStore } from "react";
import { useLocalStore } from "@/lib/browser/store";
import type { Network } from "@/lib/chains/networks";
import { externalWalletSnapshot, subscribeExternalWallet } from "@/lib/wallet/external-bridge";
import { payWithStore, writePayWith, type Payer } from "@/lib/x402/payer/pay-with";

const choose = (chainId: number, payer: Payer) => payWithStore.update((storage) => writePayWith(storage, chainId, payer));

const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

/**
 * "Pay with: Local wallet | <connected wallet>", shown while an external wallet is connected on this network, and
 * while it is the chosen payer even if it is not (so the user can always go back to the local wallet).
 */
export function PayWith({ network }: { network: Network }) {
  const external = useSyncExternalStore(subscribeExternalWallet, externalWalletSnapshot, () => null);
  const payer = useLocalStore(payWithStore, network.chainId);
  const ready = external !== null && external.chainId === network.chainId;
  if (!ready && payer === "local") return null;

  const note = external === null ? " (not connected: connect it in the wallet menu)" : ready ? "" : ` (on chain ${external.chainId}: switch it to ${network.name})`;
  return (
    <div data-testid="pay-with" data-payer={payer} className="flex flex-wrap items-center gap-3 border-t border-zinc-200 px-4 py-2 text-xs dark:border-zinc-800">
      <span className="text-zinc-500">Pay with:</span>
      <label className="flex items-center gap-1">
        <input type="radio" name={`pay-with-${network.chainId}`} data-testid="pay-with-local" checked={payer === "local"} onChange={() => choose(network.chainId, "local")} />
        Local wallet
      </label>
      <label className="flex items-center gap-1" title={external?.address}>
        <input
          type="radio"
          name={`pay-with-${network.chainId}`}
          data-testid="pay-with-external"
          checked={payer === "external"}
          disabled={!ready}
          onChange={() => choose(network.chainId, "external")}
        />
        {external ? `${external.name} ${short(external.address)}` : "Connected wallet"}
        {note}
      </label>
    </div>
  );
}
