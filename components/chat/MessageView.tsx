"use client";

import { isToolOrDynamicToolUIPart } from "ai";
import { USDC_DECIMALS, networkByX402Id } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import type { ChatMessage } from "@/lib/x402/shared/chat-message";
import type { Receipt, UsageReport } from "@/lib/x402/shared/receipt";
import { Markdown } from "./Markdown";
import { tabReceiptTitle } from "./tab-format";
import { ToolCard } from "./ToolCard";
import { TxLink } from "@/components/tx/TxLink";

type Part = ChatMessage["parts"][number];

export function MessageView({ message }: { message: ChatMessage }) {
  const mine = message.role === "user";
  // One collapsed reasoning section per reply, however many reasoning parts the model streamed, before the rest.
  const reasoning = message.parts
    .filter((p): p is Extract<Part, { type: "reasoning" }> => p.type === "reasoning")
    .map((p) => p.text.trim())
    .filter(Boolean)
    .join("\n\n");
  return (
    <div data-testid={`message-${message.role}`} className={`flex ${mine ? "justify-end" : "justify-start"}`}>
      <div
        className={`flex min-w-0 flex-col gap-2 rounded-lg px-3 py-2 text-sm ${mine ? "max-w-[85%] bg-emerald-700 text-white" : "w-full max-w-[92%] bg-white shadow-sm sm:max-w-[85%] dark:bg-zinc-900"}`}
      >
        {reasoning && <Reasoning text={reasoning} />}
        {message.parts.map((part, i) => (
          <PartView key={i} part={part} mine={mine} />
        ))}
      </div>
    </div>
  );
}

function Reasoning({ text }: { text: string }) {
  return (
    <details data-testid="message-reasoning" className="text-xs text-zinc-600 dark:text-zinc-400">
      <summary className="cursor-pointer select-none">Reasoning</summary>
      <p className="mt-1 whitespace-pre-wrap border-l-2 border-zinc-200 pl-2 dark:border-zinc-700">{text}</p>
    </details>
  );
}

function PartView({ part, mine }: { part: Part; mine: boolean }) {
  if (part.type === "text") {
    // The user's own words as typed; a reply as Markdown (which never renders HTML).
    return mine ? <p data-testid="message-text" className="whitespace-pre-wrap break-words">{part.text}</p> : <Markdown text={part.text} />;
  }
  if (part.type === "data-receipt") return <ReceiptView receipt={part.data} />;
  if (part.type === "data-usage") return <UsageView usage={part.data} />;
  if (isToolOrDynamicToolUIPart(part)) return <ToolCard part={part} />;
  return null;
}

function UsageView({ usage }: { usage: UsageReport }) {
  return (
    <p data-testid="message-usage" className="text-xs text-zinc-500">
      {usage.inputTokens} in / {usage.outputTokens} out tokens · {usage.toolCalls} tool call{usage.toolCalls === 1 ? "" : "s"} ·{" "}
      {usage.latencyMs} ms · {usage.model}
    </p>
  );
}

function ReceiptView({ receipt }: { receipt: Receipt }) {
  const status = receipt.success
    ? "paid"
    : receipt.voided
      ? "voided"
      : receipt.unconfirmed
        ? "unconfirmed"
        : receipt.pending
          ? "pending"
          : "failed";
  const tone =
    status === "paid"
      ? "border-emerald-300 bg-emerald-50 dark:border-emerald-800 dark:bg-emerald-950"
      : status === "unconfirmed"
        ? "border-amber-300 bg-amber-50 dark:border-amber-800 dark:bg-amber-950"
        : status === "voided"
          ? "border-zinc-300 bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900"
          : "border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950";
  return (
    <div data-testid="receipt" data-success={receipt.success} data-status={status} className={`rounded-md border p-2 text-xs ${tone}`}>
      <div className="font-medium">
        {status === "paid" && receipt.tab
          ? tabReceiptTitle(receipt.tab.chargedAmount, receipt.tab.maxAmount, networkByX402Id(receipt.network)?.usdc.decimals ?? USDC_DECIMALS)
          : status === "paid"
          ? `Paid ${receipt.amountDisplay}`
          : status === "unconfirmed"
            ? `Unconfirmed: ${receipt.amountDisplay} signed, not found on chain (${receipt.error ?? "no proof"}). The history checks it again.`
            : status === "voided"
              ? `Not charged: ${receipt.error ?? "the reply had nothing to pay for"}`
              : status === "pending"
                ? "Payment pending: settlement will be retried"
              : `Settlement failed: ${receipt.error ?? "unknown error"} — not charged`}
      </div>
      {receipt.claimedTransaction && (
        <div data-testid="receipt-claimed-tx" className="mt-1 break-all font-mono text-zinc-500">
          The agent named {receipt.claimedTransaction}
        </div>
      )}
      {receipt.tab && (
        <div data-testid="receipt-tab" className="mt-1 text-zinc-600 dark:text-zinc-400">
          {receipt.tab.depositTransaction
            ? "Opened the tab with its deposit, checked on chain · "
            : receipt.tab.depositProblem
              ? `Deposit not verified: ${receipt.tab.depositProblem} · `
              : "No transaction: a voucher of your tab · "}
          {formatUsdc(BigInt(receipt.tab.balance) - BigInt(receipt.tab.chargedCumulativeAmount), networkByX402Id(receipt.network)?.usdc.decimals ?? USDC_DECIMALS)} left
        </div>
      )}
      {receipt.transaction && (
        <div className="mt-1 break-all font-mono">
          <TxLink testId="receipt-tx" network={networkByX402Id(receipt.network)} hash={receipt.transaction} />
        </div>
      )}
      <div data-testid="receipt-network" className="mt-1 text-zinc-600 dark:text-zinc-400">
        {networkByX402Id(receipt.network)?.name ?? receipt.network}
      </div>
    </div>
  );
}
