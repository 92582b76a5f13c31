"use client";

import { createContext, useCallback, useContext, useState, type ReactNode } from "react";
import { useNetwork } from "@/components/network/NetworkProvider";
import { conversationsStore } from "@/lib/browser/chat/conversation-store";
import { deleteConversation, saveConversation, type Conversation } from "@/lib/browser/chat/conversations";
import { useLocalStore } from "@/lib/browser/store";
import type { ChatAgent } from "../../lib/x402/payer/chat-agent";
import { useJournalRecovery } from "./useJournalRecovery";

interface ChatContextValue {
  agent: ChatAgent | null;
  /** Chooses an agent; a new chat unless the id of a conversation with it is given. */
  selectAgent(agent: ChatAgent | null, conversationId?: string): void;
  conversations: Conversation[];
  /** The open conversation's id; a fresh one for a new chat. */
  conversationId: string;
  newChat(): void;
  save(conversation: Conversation): void;
  remove(id: string): void;
}

const ChatContext = createContext<ChatContextValue | null>(null);
const newId = () => crypto.randomUUID();

/** The chat's shared state: the chosen agent and the conversations of the current network. */
export function ChatProvider({ children }: { children: ReactNode }) {
  const { network } = useNetwork();
  // Remounted per network: switching network starts afresh, nothing from one network is used on another.
  return (
    <NetworkChat key={network.chainId} chainId={network.chainId}>
      {children}
    </NetworkChat>
  );
}

function NetworkChat({ chainId, children }: { chainId: number; children: ReactNode }) {
  const [agent, setAgent] = useState<ChatAgent | null>(null);
  const [conversationId, setConversationId] = useState(newId);
  const conversations = useLocalStore(conversationsStore, chainId);
  // Payments a reload or a lost connection left open are resolved here, whichever conversation is shown.
  useJournalRecovery(chainId);

  const save = useCallback(
    (conversation: Conversation) => {
      conversationsStore.update((storage) => saveConversation(storage, chainId, conversation));
    },
    [chainId],
  );
  const remove = useCallback(
    (id: string) => {
      conversationsStore.update((storage) => deleteConversation(storage, chainId, id));
      setConversationId((current) => (current === id ? newId() : current));
    },
    [chainId],
  );

  const value: ChatContextValue = {
    agent,
    selectAgent: (next, id) => {
      setAgent(next);
      setConversationId(id ?? newId());
    },
    conversations,
    conversationId,
    newChat: () => setConversationId(newId()),
    save,
    remove,
  };
  return <ChatContext.Provider value={value}>{children}</ChatContext.Provider>;
}

export function useChatState(): ChatContextValue {
  const value = useContext(ChatContext);
  if (!value) throw new Error("useChatState must be used inside <ChatProvider>");
  return value;
}
