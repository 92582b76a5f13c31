"use client";

import { Notice } from "@/components/ui/Notice";
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
      <Notice tone="warning" data-testid="network-status" data-state="unreachable" role="alert">
        <strong>{network.name} is unreachable.</strong> {status.status.error}
      </Notice>
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
