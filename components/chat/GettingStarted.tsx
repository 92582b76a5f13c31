"use client";

import type { ReactNode } from "react";
import type { Address } from "viem";
import { useNetwork } from "@/components/network/NetworkProvider";
import { Button } from "@/components/ui/Button";
import { openWalletPanel } from "@/components/wallet/open-wallet";
import { useBalances } from "@/components/wallet/useBalances";
import { useUnlockedAddress } from "@/components/wallet/useSession";
import { useVault } from "@/components/wallet/useVault";

type Step = "wallet" | "funds" | "agent";

/**
 * The first screen's guide: what the app is, and the three steps to a first paid answer, the next one
 * highlighted from the wallet's state on the selected network.
 */
export function GettingStarted() {
  const { network } = useNetwork();
  const read = useVault(network.chainId);
  const address = read?.state === "ok" ? read.vault.address : null;
  return (
    <section data-testid="getting-started" aria-labelledby="getting-started-title" className="flex flex-col gap-3">
      <div>
        <h1 id="getting-started-title" className="text-xl font-semibold tracking-tight">
          Chat with AI agents that charge per message
        </h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Each message is paid in USDC over x402, usually a cent or less, from a wallet that lives in this browser. You
          see the price before you send, and every payment gets a receipt.
        </p>
      </div>
      {read === null ? null : address === null ? (
        <Steps current="wallet" networkName={network.name} local={network.key === "local"} locked={false} />
      ) : (
        <FundedSteps chainId={network.chainId} address={address} networkName={network.name} local={network.key === "local"} />
      )}
    </section>
  );
}

function FundedSteps({ chainId, address, networkName, local }: { chainId: number; address: Address; networkName: string; local: boolean }) {
  const balances = useBalances(chainId, address);
  const unlocked = useUnlockedAddress(chainId) === address;
  // Until the balance is known, the agents are the next step: a guess of "no funds" would flash for funded users.
  const empty = balances.state === "ok" && BigInt(balances.balances.usdc) === 0n;
  return <Steps current={empty ? "funds" : "agent"} networkName={networkName} local={local} locked={!unlocked} />;
}

function Steps({ current, networkName, local, locked }: { current: Step; networkName: string; local: boolean; locked: boolean }) {
  const order: Step[] = ["wallet", "funds", "agent"];
  const at = order.indexOf(current);
  const state = (step: Step) => (order.indexOf(step) < at ? "done" : step === current ? "current" : "todo");
  return (
    <ol className="grid gap-2 sm:grid-cols-3">
      <StepItem n={1} step="wallet" state={state("wallet")} title="Create a wallet">
        {state("wallet") === "done" ? (
          `Your ${networkName} wallet is ready${locked ? " (locked: unlock it to pay)" : ""}.`
        ) : (
          <>
            A key kept in this browser, encrypted with your password.
            <Button data-testid="getting-started-action" variant="primary" size="sm" className="mt-2 self-start" onClick={openWalletPanel}>
              Create a wallet
            </Button>
          </>
        )}
      </StepItem>
      <StepItem n={2} step="funds" state={state("funds")} title={local ? "Get test funds" : "Add USDC"}>
        {state("funds") === "current" ? (
          <>
            {local
              ? locked
                ? "Unlock the wallet, then use “Get test funds”: free USDC on the local chain."
                : "Free USDC and gas on the local chain, from the wallet’s “Get test funds”."
              : `Send USDC on ${networkName} to your wallet’s address.`}
            <Button data-testid="getting-started-action" variant="primary" size="sm" className="mt-2 self-start" onClick={openWalletPanel}>
              {locked ? "Unlock the wallet" : local ? "Get test funds" : "Open the wallet"}
            </Button>
          </>
        ) : state("funds") === "done" ? (
          "Your wallet holds USDC."
        ) : local ? (
          "Free USDC on the local chain, one click."
        ) : (
          `USDC on ${networkName}.`
        )}
      </StepItem>
      <StepItem n={3} step="agent" state={state("agent")} title="Pick an agent">
        {state("agent") === "current" ? "Choose one below, or paste an agent’s URL; the price is on the Send button." : "Then ask it anything."}
      </StepItem>
    </ol>
  );
}

function StepItem({ n, step, state, title, children }: { n: number; step: Step; state: "done" | "current" | "todo"; title: string; children: ReactNode }) {
  const tone =
    state === "current"
      ? "border-emerald-600 bg-emerald-50 ring-1 ring-emerald-600 dark:bg-emerald-950"
      : "border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900";
  return (
    <li
      data-testid={`getting-started-${step}`}
      data-state={state}
      aria-current={state === "current" ? "step" : undefined}
      className={`flex flex-col rounded-lg border p-3 text-sm ${tone}`}
    >
      <span className="flex items-center gap-2 font-medium">
        <span
          aria-hidden
          className={`flex h-5 w-5 shrink-0 items-center justify-center rounded-full text-xs ${state === "done" ? "bg-emerald-700 text-white" : state === "current" ? "bg-emerald-700 text-white" : "bg-zinc-200 text-zinc-700 dark:bg-zinc-700 dark:text-zinc-200"}`}
        >
          {state === "done" ? "✓" : n}
        </span>
        {title}
        {state === "done" && <span className="sr-only">(done)</span>}
      </span>
      <span className="mt-1 flex flex-col text-xs text-zinc-600 dark:text-zinc-400">{children}</span>
    </li>
  );
}
