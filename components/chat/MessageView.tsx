"use client";

import { getToolOrDynamicToolName, isToolOrDynamicToolUIPart, type DynamicToolUIPart, type ToolUIPart } from "ai";
import type { ChatMessage, ChatTools } from "@/lib/x402/shared/chat-message";
import type { Receipt, UsageReport } from "@/lib/x402/shared/receipt";

type Part = ChatMessage["parts"][number];
type ToolPart = ToolUIPart<ChatTools> | DynamicToolUIPart;

export function MessageView({ message }: { message: ChatMessage }) {
  const mine = message.role === "user";
  return (
    <div data-testid={`message-${message.role}`} className={`flex ${mine ? "justify-end" : "justify-start"}`}>
      <div className={`flex max-w-[85%] flex-col gap-2 rounded-lg px-3 py-2 text-sm ${mine ? "bg-emerald-600 text-white" : "bg-white shadow-sm dark:bg-zinc-900"}`}>
        {message.parts.map((part, i) => (
          <PartView key={i} part={part} />
        ))}
      </div>
    </div>
  );
}

function PartView({ part }: { part: Part }) {
  if (part.type === "text") return <p data-testid="message-text" className="whitespace-pre-wrap">{part.text}</p>;
  if (part.type === "reasoning") {
    return (
      <details data-testid="message-reasoning" className="text-xs text-zinc-500">
        <summary className="cursor-pointer">Reasoning</summary>
        <p className="whitespace-pre-wrap">{part.text}</p>
      </details>
    );
  }
  if (part.type === "data-receipt") return <ReceiptView receipt={part.data} />;
  if (part.type === "data-usage") return <UsageView usage={part.data} />;
  if (isToolOrDynamicToolUIPart(part)) return <ToolView part={part} />;
  return null;
}

function ToolView({ part }: { part: ToolPart }) {
  const name = getToolOrDynamicToolName(part);
  const state = part.state === "output-available" ? "done" : part.state === "output-error" ? "error" : "running";
  return (
    <div data-testid="tool-call" data-tool={name} data-state={state} className="rounded-md border border-zinc-200 p-2 text-xs dark:border-zinc-700">
      <div className="flex items-center justify-between gap-2 font-mono">
        <span>
          <span className="mr-1 rounded bg-zinc-100 px-1 text-[10px] uppercase tracking-wide text-zinc-500 dark:bg-zinc-800">tool</span>
          {name}
        </span>
        <span className={state === "error" ? "text-red-600" : state === "done" ? "text-emerald-600" : "text-amber-600"}>{state}</span>
      </div>
      {part.input !== undefined && <pre className="mt-1 overflow-x-auto text-zinc-500">{JSON.stringify(part.input)}</pre>}
      {part.state === "output-available" && part.output !== undefined && (
        <pre data-testid="tool-output" className="mt-1 max-h-40 overflow-auto">{JSON.stringify(part.output, null, 1)}</pre>
      )}
      {part.state === "output-error" && part.errorText && <p className="mt-1 text-red-600">{part.errorText}</p>}
    </div>
  );
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
  const status = receipt.success ? "paid" : receipt.unconfirmed ? "unconfirmed" : receipt.pending ? "pending" : "failed";
  const tone =
    status === "paid"
      ? "border-emerald-300 bg-emerald-50 dark:border-emerald-800 dark:bg-emerald-950"
      : status === "unconfirmed"
        ? "border-amber-300 bg-amber-50 dark:border-amber-800 dark:bg-amber-950"
        : "border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950";
  return (
    <div data-testid="receipt" data-success={receipt.success} data-status={status} className={`rounded-md border p-2 text-xs ${tone}`}>
      <div className="font-medium">
        {status === "paid"
          ? `Paid ${receipt.amountDisplay}`
          : status === "unconfirmed"
            ? `Unconfirmed: ${receipt.amountDisplay} signed, not found on chain (${receipt.error ?? "no proof"}). The history checks it again.`
            : status === "pending"
              ? "Payment pending: settlement will be retried"
              : `Settlement failed: ${receipt.error ?? "unknown error"} — not charged`}
      </div>
      {receipt.claimedTransaction && (
        <div data-testid="receipt-claimed-tx" className="mt-1 break-all font-mono text-zinc-500">
          The agent named {receipt.claimedTransaction}
        </div>
      )}
      {receipt.transaction && (
        <div className="mt-1 break-all font-mono">
          {receipt.explorerUrl ? (
            <a data-testid="receipt-tx" href={receipt.explorerUrl} target="_blank" rel="noreferrer" className="underline">
              {receipt.transaction}
            </a>
          ) : (
            <span data-testid="receipt-tx">{receipt.transaction}</span>
          )}
        </div>
      )}
      <div className="mt-1 text-zinc-500">{receipt.network}</div>
    </div>
  );
}
