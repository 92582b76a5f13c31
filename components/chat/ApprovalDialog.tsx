"use client";

import { useCallback, useRef, useState } from "react";
import type { Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import type { ApprovalRequest } from "@/lib/x402/payer/paying-fetch";

/** Asks the user about a payment the policy or the quote did not clear; one question at a time. */
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
    <div role="dialog" aria-modal="true" data-testid="approval-dialog" data-kind={request.kind} className="fixed inset-0 z-50 flex items-center justify-center bg-black/40 p-4">
      <div className="w-full max-w-md rounded-lg bg-white p-5 shadow-xl dark:bg-zinc-900">
        <h2 className="mb-2 text-base font-semibold">{request.kind === "over-policy" ? "Above your spending limit" : "The price changed"}</h2>
        <p className="mb-4 text-sm text-zinc-600 dark:text-zinc-300">{text} Pay anyway?</p>
        <div className="flex justify-end gap-2">
          <button data-testid="approval-refuse" className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm dark:border-zinc-700" onClick={() => onAnswer(false)}>
            Don&apos;t pay
          </button>
          <button data-testid="approval-pay" className="rounded-md bg-emerald-600 px-3 py-1.5 text-sm font-medium text-white" onClick={() => onAnswer(true)}>
            Pay {usdc(request.amount)}
          </button>
        </div>
      </div>
    </div>
  );
}
