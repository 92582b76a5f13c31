"use client";

import { useChat } from "@ai-sdk/react";
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import type { Network } from "@/lib/chains/networks";
import { titleOf } from "@/lib/browser/chat/conversations";
import { addPayment, recordOfReply } from "@/lib/browser/history/payments";
import { paymentsStore } from "@/lib/browser/history/store";
import { useLocalStore } from "@/lib/browser/store";
import { walletSession } from "@/lib/wallet/session";
import { closeEntry, journalStore } from "@/lib/x402/payer/journal";
import { releaseEntry } from "@/lib/x402/payer/journal-lock";
import type { WireError } from "@/lib/errors";
import type { ChatMessage } from "@/lib/x402/shared/chat-message";
import { Button } from "@/components/ui/Button";
import { Notice } from "@/components/ui/Notice";
import { TextArea } from "@/components/ui/Input";
import { BALANCES_CHANGED_EVENT } from "@/components/wallet/useBalances";
import type { ChatAgent } from "../../lib/x402/payer/chat-agent";
import { useApproval } from "./ApprovalDialog";
import { useChatState } from "./ChatProvider";
import { ChatError } from "./ChatError";
import { MessageList } from "./MessageList";
import { MessageView } from "./MessageView";
import { PayWith } from "./PayWith";
import { TabProposal } from "./TabProposal";
import { tabSendLabel } from "./tab-format";
import { usePayingTransport, type TabChoice } from "./usePayingTransport";

/** One conversation with one agent; remounted (by key) when either changes. */
export function ChatSession({ agent, network, conversationId, initialMessages }: {
  agent: ChatAgent;
  network: Network;
  conversationId: string;
  initialMessages: ChatMessage[];
}) {
  const { save, conversations } = useChatState();
  const { ask, dialog } = useApproval(network);
  // null: the user chose no toolkits, so none are named and the agent uses all of its own.
  const [toolkits, setToolkits] = useState<string[] | null>(null);
  const [input, setInput] = useState("");
  const { transport, stops, signed, chooseTab: chooseTabOf, closeTab } = usePayingTransport(agent, network, ask);
  // Whether a tab pays this agent's messages: the send button then names a ceiling on the tab, not a payment.
  const [onTab, setOnTab] = useState(false);
  const chooseTab = useCallback(
    (choice: TabChoice | null) => {
      chooseTabOf(choice);
      setOnTab(choice !== null);
    },
    [chooseTabOf],
  );
  const journal = useLocalStore(journalStore, network.chainId);
  const unlocked = useSyncExternalStore(walletSession.subscribe, () => walletSession.getSnapshot()[network.chainId] ?? null, () => null);
  // Why the last reply failed, by code, as its stream said (`data-error`); the SDK's error carries only words.
  const [streamed, setStreamed] = useState<WireError | null>(null);

  const { messages, setMessages, sendMessage, regenerate, status, stop, error } = useChat<ChatMessage>({
    id: conversationId,
    messages: initialMessages,
    transport,
    onData: (part) => {
      if (part.type === "data-error") setStreamed(part.data);
    },
    onFinish: ({ message, isAbort, isDisconnect }) => {
      const entry = signed.last;
      const paid = recordPayment(message, agent, network, conversationId);
      if (!entry) return;
      releaseEntry(entry.nonce);
      // A reply cut short (stopped, or the connection dropped) may still have been paid: the journal resolves it.
      if (paid || !(isAbort || isDisconnect || signed.lost)) journalStore.update((storage) => closeEntry(storage, network.chainId, entry.nonce));
    },
  });

  // Keep the conversation from the moment a message is sent (a reload mid-reply keeps it), and once a reply ends.
  useEffect(() => {
    if (status === "submitted" || status === "ready" || status === "error") {
      if (messages.length === 0) return;
      save({ id: conversationId, title: titleOf(messages), agent: agent.ref, updatedAt: new Date().toISOString(), messages });
    }
  }, [status, messages, conversationId, agent.ref, save]);

  const busy = status === "submitted" || status === "streaming";
  // The last message is the user's and no reply is coming in: it was never answered. Paid for (its journal entry
  // is open): the reply is being recovered. Otherwise it was not sent, and retrying or sending reuses it.
  const last = messages.at(-1);
  const unanswered = !busy && last?.role === "user" ? last : null;
  const recovering = unanswered ? journal.find((e) => e.messageId === unanswered.id && e.conversationId === conversationId) ?? null : null;
  const unsent = unanswered && !recovering ? unanswered : null;
  const body = () => (toolkits === null ? {} : { selectedToolkits: toolkits });

  // A reply recovered into the stored conversation (useJournalRecovery) while this session shows it.
  const stored = conversations.find((c) => c.id === conversationId);
  // (Keyed on the unanswered message, not the journal entry: the entry closes in the same update.)
  useEffect(() => {
    if (!unanswered || !stored) return;
    const index = stored.messages.findIndex((m) => m.id === unanswered.id);
    if (index >= 0 && stored.messages[index + 1]?.role === "assistant") setMessages(stored.messages);
  }, [unanswered, stored, setMessages]);

  const send = () => {
    const text = input.trim();
    if (!text || busy || agent.blocked || recovering) return;
    setInput("");
    setStreamed(null);
    // An unsent message is replaced by the new one, never left behind it.
    void sendMessage(unsent ? { text, messageId: unsent.id } : { text }, { body: body() });
  };
  const retry = () => {
    if (!unsent || agent.blocked) return;
    setStreamed(null);
    void regenerate({ body: body() });
  };

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <MessageList followKey={messages.filter((m) => m.role === "user").at(-1)?.id}>
        {messages.map((m) => (
          <MessageView key={m.id} message={m} />
        ))}
        {status === "submitted" && <p className="text-xs text-zinc-500">Paying and waiting for {agent.name}…</p>}
        {recovering && (
          <Notice tone="warning" data-testid="message-recovering" role="status">
            This message was paid for; its reply is being recovered.
            {recovering.ownServer && unlocked?.toLowerCase() !== recovering.authorization.payer.toLowerCase() && " Unlock your wallet to fetch the reply you paid for."}
          </Notice>
        )}
        {unsent && (
          <div data-testid="message-unsent" className="flex items-center justify-end gap-2 text-xs text-zinc-500">
            Not sent.
            <Button size="sm" data-testid="message-retry" onClick={retry} disabled={!!agent.blocked}>
              Retry
            </Button>
          </div>
        )}
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
                checked={toolkits?.includes(name) ?? true}
                onChange={(e) => {
                  const chosen = toolkits ?? agent.capabilities;
                  setToolkits(e.target.checked ? [...chosen, name] : chosen.filter((x) => x !== name));
                }}
              />
              {name}
            </label>
          ))}
        </div>
      )}
      <PayWith network={network} />
      <TabProposal agent={agent} network={network} chooseTab={chooseTab} closeTab={closeTab} />
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
          <Button type="submit" data-testid="composer-send" variant="primary" disabled={!input.trim() || !!agent.blocked || !!recovering}>
            {onTab && agent.shown ? tabSendLabel(agent.shown.amount, network.usdc.decimals) : `Send · ${agent.priceDisplay}`}
          </Button>
        )}
      </form>
      {dialog}
    </div>
  );
}

/** Writes a paid reply's record into the history; false for a reply without a receipt. */
function recordPayment(message: ChatMessage, agent: ChatAgent, network: Network, conversationId: string): boolean {
  const record = recordOfReply(message, {
    conversationId,
    agentId: agent.ref.kind === "catalog" ? agent.ref.id : agent.ref.url,
    agentName: agent.name,
    chainId: network.chainId,
  });
  if (!record) return false;
  addPayment(window.localStorage, record);
  window.dispatchEvent(new Event(BALANCES_CHANGED_EVENT));
  paymentsStore.announce();
  return true;
}
