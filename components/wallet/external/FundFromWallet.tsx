"use client";

import { useState, type FormEvent } from "react";
import { erc20Abi, isAddressEqual, parseUnits, type Address } from "viem";
import { useAccount, useConfig, useReadContract, useSwitchChain, useWriteContract } from "wagmi";
import { waitForTransactionReceipt } from "wagmi/actions";
import type { Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { Button } from "@/components/ui/Button";
import { ActionResult } from "@/components/ui/FormError";
import { Input } from "@/components/ui/Input";
import { BALANCES_CHANGED_EVENT } from "../useBalances";

/** Sends USDC from the connected external wallet to this network's local wallet (an ERC-20 transfer). */
export function FundFromWallet({ network, to }: { network: Network; to: Address }) {
  const config = useConfig();
  const account = useAccount();
  const { switchChainAsync } = useSwitchChain();
  const { writeContractAsync } = useWriteContract();
  const [amount, setAmount] = useState("5");
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const from = account.address;
  const sourceBalance = useReadContract({
    address: network.usdc.address,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: from ? [from] : undefined,
    chainId: network.chainId,
    query: { enabled: !!from },
  });

  if (!account.isConnected || !from) return null;
  if (isAddressEqual(from, to)) {
    return <p className="text-xs text-zinc-500">Connect another wallet to fund this one from it.</p>;
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    let value: bigint;
    try {
      value = parseUnits(amount.trim(), network.usdc.decimals);
    } catch {
      return setStatus({ ok: false, text: "Enter an amount of USDC, e.g. 5 or 0.25" });
    }
    if (value <= 0n) return setStatus({ ok: false, text: "Enter an amount above zero" });
    setBusy(true);
    setStatus(null);
    try {
      if (account.chainId !== network.chainId) await switchChainAsync({ chainId: network.chainId });
      const hash = await writeContractAsync({
        address: network.usdc.address,
        abi: erc20Abi,
        functionName: "transfer",
        args: [to, value],
        chainId: network.chainId,
      });
      const receipt = await waitForTransactionReceipt(config, { hash, chainId: network.chainId, pollingInterval: 500 });
      if (receipt.status !== "success") throw new Error(`the transfer reverted (tx ${hash})`);
      setStatus({ ok: true, text: `Sent ${formatUsdc(value, network.usdc.decimals)} (tx ${hash})` });
      window.dispatchEvent(new Event(BALANCES_CHANGED_EVENT));
      void sourceBalance.refetch();
    } catch (err) {
      const e = err as { shortMessage?: string; message: string };
      setStatus({ ok: false, text: (e.shortMessage ?? e.message).split("\n")[0]! });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="flex flex-col gap-2" onSubmit={submit} data-testid="fund-from-wallet">
      <p className="text-xs text-zinc-500">
        Connected wallet holds{" "}
        <span data-testid="external-usdc">{sourceBalance.data === undefined ? "…" : formatUsdc(sourceBalance.data, network.usdc.decimals, { unit: false })}</span> USDC
      </p>
      <div className="flex gap-2">
        <Input
          data-testid="fund-amount"
          className="w-full"
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
        <Button data-testid="fund-submit" type="submit" disabled={busy}>
          {busy ? "Sending…" : "Fund from connected wallet"}
        </Button>
      </div>
      <ActionResult testId="fund-status" result={status} />
    </form>
  );
}
