"use client";

import { useEffect, useState } from "react";
import { formatUnits, type Address } from "viem";
import type { Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { Button } from "@/components/ui/Button";
import { ActionResult } from "@/components/ui/FormError";
import { BALANCES_CHANGED_EVENT } from "./useBalances";

/** "stand-in": a local chain standing in for this network (npm run chain -- --as …), minted like the local one. */
type FaucetInfo = { kind: "local" | "stand-in" | "cdp" | "none"; externalUrl: string | null };

/** "Get test funds" where the server has a faucet for the network; otherwise says where funds come from. */
export function FundWallet({ network, address }: { network: Network; address: Address }) {
  const [info, setInfo] = useState<{ chainId: number; value: FaucetInfo } | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const abort = new AbortController();
    fetch(`/api/faucet?chainId=${network.chainId}`, { signal: abort.signal })
      .then((res) => res.json())
      .then((value: FaucetInfo) => setInfo({ chainId: network.chainId, value }))
      .catch(() => undefined); // no faucet info: the note below stays, which is the safe default
    return () => abort.abort();
  }, [network.chainId]);

  async function requestFunds() {
    setBusy(true);
    setMessage(null);
    try {
      const res = await fetch("/api/faucet", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ address, chainId: network.chainId }),
      });
      const body = await res.json();
      if (!res.ok) {
        setMessage({ ok: false, text: body.error.message });
      } else {
        setMessage({
          ok: true,
          text:
            body.kind === "local" || body.kind === "stand-in"
              ? `Sent ${formatUsdc(body.usdc, network.usdc.decimals)} and ${formatUnits(BigInt(body.eth), 18)} ETH`
              : "Requested test USDC from the CDP faucet; it arrives in a few seconds",
        });
        window.dispatchEvent(new Event(BALANCES_CHANGED_EVENT));
      }
    } catch (err) {
      setMessage({ ok: false, text: `Cannot reach the app server: ${(err as Error).message}` });
    } finally {
      setBusy(false);
    }
  }

  const kind = info?.chainId === network.chainId ? info.value.kind : null;
  return (
    <div className="flex flex-col gap-2">
      {kind === "local" || kind === "stand-in" || kind === "cdp" ? (
        <Button data-testid="faucet-button" disabled={busy} onClick={requestFunds}>
          {busy
            ? "Requesting…"
            : kind === "local"
              ? "Get test funds"
              : kind === "stand-in"
                ? `Get test funds (local ${network.name} stand-in)`
                : "Get test USDC (CDP faucet)"}
        </Button>
      ) : kind === "none" ? (
        <p data-testid="faucet-note" className="text-sm text-zinc-600 dark:text-zinc-400">
          {network.testnet ? (
            <>
              No faucet is configured here: get test USDC for {network.name} at{" "}
              <a className="underline" href="https://faucet.circle.com" target="_blank" rel="noreferrer">
                faucet.circle.com
              </a>{" "}
              and send it to the address above.
            </>
          ) : (
            <>{network.name} uses real USDC: send some to the address above, or fund from a connected wallet.</>
          )}
        </p>
      ) : null}
      <ActionResult testId="faucet-message" result={message} />
    </div>
  );
}
