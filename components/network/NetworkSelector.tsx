"use client";

import { NETWORK_LIST, isNetworkKey } from "@/lib/chains/networks";
import { useNetwork } from "./NetworkProvider";

export function NetworkSelector() {
  const { network, setNetworkKey } = useNetwork();
  return (
    <label className="flex items-center gap-2 text-sm">
      <span className="sr-only">Network</span>
      <select
        data-testid="network-selector"
        className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
        value={network.key}
        onChange={(e) => {
          if (isNetworkKey(e.target.value)) setNetworkKey(e.target.value);
        }}
      >
        {NETWORK_LIST.map((n) => (
          <option key={n.key} value={n.key}>
            {n.name} ({n.chainId})
          </option>
        ))}
      </select>
    </label>
  );
}
