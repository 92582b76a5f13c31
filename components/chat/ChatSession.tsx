"use client";

import { useChat } from "@ai-sdk/react";
import { useEffect, useState } from "react";
import type { Network } from "@/lib/chains/networks";
import { titleOf } from "@/lib/browser/chat/conversations";
import { addPayment } from "@/lib/browser/history/payments";
import { paymentsStore } from "@/lib/browser/history/store";
import type { WireError } from "@/lib/errors";
import type { ChatMessage } from "@/lib/x402/shared/chat-message";
import { Button } from "@/components/ui/Button";
import { TextArea } from "@/components/ui/Input";
import { BALANCES_CHANGED_EVENT } from "@/components/wallet/useBalances";
import type { ChatAgent } from "../../lib/x402/payer/chat-agent";
import { useApproval } from "./ApprovalDialog";
import { useChatState } from "./ChatProvider";
import { ChatError } from "./ChatError";
import { MessageList } from "./MessageList";
import { MessageView } from "./MessageView";
import { PayWith } from "./PayWith";
import { usePayingTransport } from "./usePayingTransport";

/** One conversation with one agent; remounted (by key) when either changes. */
export function ChatSession({ agent, network, conversationId, initialMessages }: {
  agent: ChatAgent;
  network: Network;
  conversationId: string;
  initialMessages: ChatMessage[];
}) {
  const { save } = useChatState();
  const { ask, dialog } = useApproval(network);
  const [toolkits, setToolkits] = useState<string[]>(agent.capabilities);
  const [input, setInput] = useState("");
  const { transport, stops } = usePayingTransport(agent, network, ask);
  // Why the last reply failed, by code, as its stream said (`data-error`); the SDK's error carries only words.
  const [streamed, setStreamed] = useState<WireError | null>(null);

  const { messages, sendMessage, status, stop, error } = useChat<ChatMessage>({
    id: conversationId,
    messages: initialMessages,
    transport,
    onData: (part) => {
      if (part.type === "data-error") setStreamed(part.data);
    },
    onFinish: ({ message }) => recordPayment(message, agent, network, conversationId),
  });

  // Keep the conversation once a reply is complete (or stopped).
  useEffect(() => {
    if (status === "ready" || status === "error") {
      if (messages.length === 0) return;
      save({ id: conversationId, title: titleOf(messages), agent: agent.ref, updatedAt: new Date().toISOString(), messages });
    }
  }, [status, messages, conversationId, agent.ref, save]);

  const busy = status === "submitted" || status === "streaming";
  const send = () => {
    const text = input.trim();
    if (!text || busy || agent.blocked) return;
    setInput("");
    setStreamed(null);
    void sendMessage({ text }, { body: { selectedToolkits: toolkits } });
  };

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <MessageList followKey={messages.filter((m) => m.role === "user").at(-1)?.id}>
        {messages.map((m) => (
          <MessageView key={m.id} message={m} />
        ))}
        {status === "submitted" && <p className="text-xs text-zinc-500">Paying and waiting for {agent.name}…</p>}
        {error && <ChatError error={error} stop={stops.last} streamed={streamed} network={network} />}
      </MessageList>
      {agent.capabilities.length > 0 && (
        <div className="flex flex-wrap gap-3 border-t border-zinc-200 px-4 py-2 text-xs dark:border-zinc-800">
          <span className="text-zinc-500">Tools:</span>
          {agent.capabilities.map((name) => (
            <label key={name} className="flex items-center gap-1">
              <input
                type="checkbox"
                data-testid={`toolkit-${name}`}
                checked={toolkits.includes(name)}
                onChange={(e) => setToolkits((t) => (e.target.checked ? [...t, name] : t.filter((x) => x !== name)))}
              />
              {name}
            </label>
          ))}
        </div>
      )}
      <PayWith network={network} />
      <form
        className="flex gap-2 border-t border-zinc-200 p-3 dark:border-zinc-800"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <TextArea
          data-testid="composer-input"
          value={input}
          rows={2}
          onChange={(e) => setInput(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              send();
            }
          }}
          placeholder={`Message ${agent.name}…`}
          large
          className="flex-1 resize-none"
        />
        {busy ? (
          <Button type="button" data-testid="composer-stop" onClick={() => void stop()}>
            Stop
          </Button>
        ) : (
          <Button type="submit" data-testid="composer-send" variant="primary" disabled={!input.trim() || !!agent.blocked}>
            Send · {agent.priceDisplay}
          </Button>
        )}
      </form>
      {dialog}
    </div>
  );
}

function recordPayment(message: ChatMessage, agent: ChatAgent, network: Network, conversationId: string) {
  const receipt = message.parts.find((p) => p.type === "data-receipt")?.data;
  if (!receipt) return;
  const usage = message.parts.find((p) => p.type === "data-usage")?.data;
  addPayment(window.localStorage, {
    id: receipt.authorization?.nonce ?? (receipt.paymentId || receipt.transaction),
    time: new Date().toISOString(),
    conversationId,
    agentId: agent.ref.kind === "catalog" ? agent.ref.id : agent.ref.url,
    agentName: agent.name,
    amount: receipt.amount,
    chainId: network.chainId,
    network: receipt.network,
    transaction: receipt.transaction,
    // The receipt was checked on chain by the transport (receipt-stream.ts): success means found there.
    status: receipt.success ? "settled" : receipt.unconfirmed ? "unconfirmed" : receipt.pending ? "pending" : "failed",
    ...(receipt.error && { error: receipt.error }),
    ...(receipt.authorization && { authorization: receipt.authorization }),
    ...(receipt.claimedTransaction && { claimedTransaction: receipt.claimedTransaction }),
    ...(usage && { usage: { model: usage.model, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, toolCalls: usage.toolCalls, latencyMs: usage.latencyMs } }),
  });
  window.dispatchEvent(new Event(BALANCES_CHANGED_EVENT));
  paymentsStore.announce();
}
