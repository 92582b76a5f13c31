"use client";

import { useSyncExternalStore } from "react";
import type { Network } from "@/lib/chains/networks";
import { externalWalletSnapshot, subscribeExternalWallet } from "@/lib/wallet/external-bridge";

/** Which wallet pays this network's messages: the local one (the default) or the connected external wallet. */
export type Payer = "local" | "external";

const payWithKey = (chainId: number) => `x402chat:pay-with:v1:${chainId}`;
const PAY_WITH_EVENT = "x402chat:pay-with-changed";

export function readPayWith(storage: Pick<Storage, "getItem">, chainId: number): Payer {
  return storage.getItem(payWithKey(chainId)) === "external" ? "external" : "local";
}

function writePayWith(chainId: number, payer: Payer): void {
  window.localStorage.setItem(payWithKey(chainId), payer);
  window.dispatchEvent(new Event(PAY_WITH_EVENT));
}

function subscribePayWith(onChange: () => void) {
  window.addEventListener("storage", onChange);
  window.addEventListener(PAY_WITH_EVENT, onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener(PAY_WITH_EVENT, onChange);
  };
}

const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

/**
 * "Pay with: Local wallet | <connected wallet>", shown while an external wallet is connected on this network, and
 * while it is the chosen payer even if it is not (so the user can always go back to the local wallet).
 */
export function PayWith({ network }: { network: Network }) {
  const external = useSyncExternalStore(subscribeExternalWallet, externalWalletSnapshot, () => null);
  const payer = useSyncExternalStore(subscribePayWith, () => readPayWith(window.localStorage, network.chainId), () => "local" as const);
  const ready = external !== null && external.chainId === network.chainId;
  if (!ready && payer === "local") return null;

  const note = external === null ? " (not connected: connect it in the wallet menu)" : ready ? "" : ` (on chain ${external.chainId}: switch it to ${network.name})`;
  return (
    <div data-testid="pay-with" data-payer={payer} className="flex flex-wrap items-center gap-3 border-t border-zinc-200 px-4 py-2 text-xs dark:border-zinc-800">
      <span className="text-zinc-500">Pay with:</span>
      <label className="flex items-center gap-1">
        <input type="radio" name={`pay-with-${network.chainId}`} data-testid="pay-with-local" checked={payer === "local"} onChange={() => writePayWith(network.chainId, "local")} />
        Local wallet
      </label>
      <label className="flex items-center gap-1" title={external?.address}>
        <input
          type="radio"
          name={`pay-with-${network.chainId}`}
          data-testid="pay-with-external"
          checked={payer === "external"}
          disabled={!ready}
          onChange={() => writePayWith(network.chainId, "external")}
        />
        {external ? `${external.name} ${short(external.address)}` : "Connected wallet"}
        {note}
      </label>
    </div>
  );
}
