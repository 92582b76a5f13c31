"use client";

import { formatUnits, type Address } from "viem";
import { USDC_DECIMALS, networkByChainId } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { useBalances } from "./useBalances";

export function Balances({ chainId, address }: { chainId: number; address: Address }) {
  const balances = useBalances(chainId, address);
  if (balances.state === "loading") {
    return <p data-testid="balances" data-state="loading" className="text-sm text-zinc-500">Reading balances…</p>;
  }
  if (balances.state === "error") {
    return (
      <p data-testid="balances" data-state="error" role="alert" className="text-sm text-amber-700">
        Balances unavailable: {balances.error}
      </p>
    );
  }
  const { usdc, eth } = balances.balances;
  return (
    <dl data-testid="balances" data-state="ok" className="grid grid-cols-2 gap-x-2 text-sm">
      <dt className="text-zinc-500">USDC</dt>
      <dd data-testid="balance-usdc" data-atomic={usdc} className="text-right font-mono">
        {formatUsdc(usdc, networkByChainId(chainId)?.usdc.decimals ?? USDC_DECIMALS, { unit: false })}
      </dd>
      <dt className="text-zinc-500">ETH (gas)</dt>
      <dd data-testid="balance-eth" data-atomic={eth} className="text-right font-mono">
        {formatUnits(BigInt(eth), 18)}
      </dd>
    </dl>
  );
}
