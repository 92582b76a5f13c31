"use client";

import type { Network } from "@/lib/chains/networks";
import type { WireError } from "@/lib/errors";
import { classifyChatFailure } from "@/lib/browser/chat/failure";
import { useLocalStore } from "@/lib/browser/store";
import { payWithStore } from "@/lib/x402/payer/pay-with";
import type { PaymentStopped } from "@/lib/x402/payer/paying-fetch";
import { Button } from "@/components/ui/Button";
import { Notice } from "@/components/ui/Notice";
import { openWalletPanel } from "@/components/wallet/open-wallet";
import { useVault } from "@/components/wallet/useVault";

/**
 * Why the last message failed, and the action that fixes it: "Create a wallet" when there is none (a locked
 * wallet and a missing one stop the payment the same way), "Unlock", or the wallet's "Get test funds" button.
 */
export function ChatError({ error, stop, streamed, network }: { error: Error; stop: PaymentStopped | null; streamed: WireError | null; network: Network }) {
  const { kind, title } = classifyChatFailure(error, stop, streamed);
  const vault = useVault(network.chainId);
  const payer = useLocalStore(payWithStore, network.chainId);
  // Paying with the local wallet, and there is none on this network (not merely locked).
  const noWallet = kind === "locked" && payer === "local" && vault?.state === "empty";
  const action = noWallet ? "Create a wallet" : kind === "locked" ? "Unlock the wallet" : kind === "funds" || kind === "gas" ? "Open the wallet" : null;
  return (
    <Notice tone="error" role="alert" data-testid="chat-error" data-kind={noWallet ? "no-wallet" : kind} className="flex flex-col items-start gap-2">
      <p>
        {noWallet ? (
          <>
            <strong>No wallet yet.</strong> Create a wallet for {network.name} to pay this agent; it lives in this browser.
          </>
        ) : (
          <>
            <strong>{title}.</strong> {stop?.message ?? error.message}
            {kind === "funds" &&
              (network.key === "local" ? (
                <> Use “Get test funds” in the wallet.</>
              ) : (
                <> Send USDC on {network.name} to your wallet’s address: the wallet shows it, and where to get some.</>
              ))}
          </>
        )}
      </p>
      {action && (
        <Button data-testid="chat-error-action" size="sm" variant="primary" onClick={openWalletPanel}>
          {action}
        </Button>
      )}
    </Notice>
  );
}
