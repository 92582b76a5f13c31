"use client";

import { useNetwork } from "./NetworkProvider";
import { useNetworkStatus } from "./useNetworkStatus";

export function NetworkStatusBadge() {
  const { network } = useNetwork();
  const status = useNetworkStatus(network.chainId);

  if (status.state === "loading") {
    return (
      <div data-testid="network-status" data-state="loading" className="text-sm text-zinc-500">
        Connecting to {network.name}…
      </div>
    );
  }
  if (!status.status.connected) {
    return (
      <div
        data-testid="network-status"
        data-state="unreachable"
        role="alert"
        className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
      >
        <strong>{network.name} is unreachable.</strong> {status.status.error}
      </div>
    );
  }
  return (
    <div data-testid="network-status" data-state="connected" className="flex items-center gap-2 text-sm">
      <span className="inline-block h-2 w-2 rounded-full bg-emerald-500" aria-hidden />
      <span>
        {network.name} connected · block{" "}
        <span data-testid="block-number" className="font-mono">
          {status.status.blockNumber}
        </span>
      </span>
    </div>
  );
}
