"use client";

import { Select } from "@/components/ui/Input";
import { NETWORK_LIST, isNetworkKey } from "@/lib/chains/networks";
import { useNetwork } from "./NetworkProvider";

export function NetworkSelector() {
  const { network, setNetworkKey } = useNetwork();
  return (
    <label className="flex items-center gap-2 text-sm">
      <span className="sr-only">Network</span>
      <Select
        data-testid="network-selector"
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
      </Select>
    </label>
  );
}
