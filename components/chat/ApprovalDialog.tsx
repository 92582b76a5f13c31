"use client";

import { useCallback, useRef, useState } from "react";
import type { Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import type { ApprovalRequest } from "@/lib/x402/payer/paying-fetch";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";

/** Asks the user about a payment the policy or the quote did not clear; one question at a time. Escape says no. */
export function useApproval(network: Network) {
  const [request, setRequest] = useState<ApprovalRequest | null>(null);
  const resolver = useRef<((ok: boolean) => void) | null>(null);

  const ask = useCallback(
    (next: ApprovalRequest) =>
      new Promise<boolean>((resolve) => {
        resolver.current?.(false); // a question left open is a no
        resolver.current = resolve;
        setRequest(next);
      }),
    [],
  );
  const answer = (ok: boolean) => {
    resolver.current?.(ok);
    resolver.current = null;
    setRequest(null);
  };

  const dialog = request ? <ApprovalDialog request={request} network={network} onAnswer={answer} /> : null;
  return { ask, dialog };
}

function ApprovalDialog({ request, network, onAnswer }: { request: ApprovalRequest; network: Network; onAnswer(ok: boolean): void }) {
  const usdc = (atomic: bigint) => formatUsdc(atomic, network.usdc.decimals);
  const text =
    request.kind === "over-policy"
      ? `This message costs ${usdc(request.amount)}, which is over your ${
          request.verdict.rule === "per-message" ? "per-message cap" : request.verdict.rule === "session" ? "session budget" : "daily budget"
        } of ${usdc(request.verdict.limit)}.`
      : request.shown
        ? `The agent now asks ${usdc(request.amount)} to ${request.payTo}; you were shown ${usdc(request.shown.amount)} to ${request.shown.payTo}.`
        : `The agent asks ${usdc(request.amount)} to ${request.payTo}.`;
  return (
    <Dialog
      title={request.kind === "over-policy" ? "Above your spending limit" : "The price changed"}
      onClose={() => onAnswer(false)}
      testId="approval-dialog"
      data={{ "data-kind": request.kind }}
    >
      <p className="mb-4 text-sm text-zinc-600 dark:text-zinc-300">{text} Pay anyway?</p>
      <div className="flex justify-end gap-2">
        {/* First, so it takes the focus: Enter or Escape right away pays nothing. */}
        <Button data-testid="approval-refuse" onClick={() => onAnswer(false)}>
          Don&apos;t pay
        </Button>
        <Button data-testid="approval-pay" variant="primary" onClick={() => onAnswer(true)}>
          Pay {usdc(request.amount)}
        </Button>
      </div>
    </Dialog>
  );
}
