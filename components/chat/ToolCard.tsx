"use client";

import { getToolOrDynamicToolName, type DynamicToolUIPart, type ToolUIPart } from "ai";
import type { ChatTools } from "@/lib/x402/shared/chat-message";
import { summarizeToolOutput } from "./tool-summary";

type ToolPart = ToolUIPart<ChatTools> | DynamicToolUIPart;

/** A tool call as one line (name, what it found, state); its input and output as JSON behind a toggle. */
export function ToolCard({ part }: { part: ToolPart }) {
  const name = getToolOrDynamicToolName(part);
  const state = part.state === "output-available" ? "done" : part.state === "output-error" ? "error" : "running";
  const summary =
    state === "done" ? summarizeToolOutput(part.output) : state === "error" ? (part.errorText ?? "failed") : "running…";
  return (
    <details
      data-testid="tool-call"
      data-tool={name}
      data-state={state}
      className="group rounded-md border border-zinc-200 text-xs dark:border-zinc-700"
    >
      <summary className="flex cursor-pointer list-none items-center gap-2 px-2 py-1.5 [&::-webkit-details-marker]:hidden">
        <span aria-hidden className="text-zinc-400 transition-transform group-open:rotate-90">
          ▸
        </span>
        <span className="shrink-0 font-mono font-medium">{name}</span>
        <span
          data-testid="tool-summary"
          className={`min-w-0 flex-1 truncate ${state === "error" ? "text-red-700 dark:text-red-400" : "text-zinc-600 dark:text-zinc-300"}`}
        >
          {summary}
        </span>
        <span className="sr-only">{state === "done" ? "done" : state === "error" ? "failed" : "running"}; show the raw data</span>
        <span
          aria-hidden
          className={`h-2 w-2 shrink-0 rounded-full ${state === "error" ? "bg-red-500" : state === "done" ? "bg-emerald-500" : "animate-pulse bg-amber-500"}`}
        />
      </summary>
      <div className="flex flex-col gap-1 border-t border-zinc-200 px-2 py-1.5 dark:border-zinc-700">
        {part.input !== undefined && (
          <pre data-testid="tool-input" tabIndex={0} className="overflow-x-auto text-zinc-600 dark:text-zinc-400">
            {JSON.stringify(part.input, null, 1)}
          </pre>
        )}
        {part.state === "output-available" && part.output !== undefined && (
          <pre data-testid="tool-output" tabIndex={0} className="max-h-48 overflow-auto">
            {JSON.stringify(part.output, null, 1)}
          </pre>
        )}
        {part.state === "output-error" && part.errorText && <p className="text-red-700 dark:text-red-400">{part.errorText}</p>}
      </div>
    </details>
  );
}
