/**
 * Conversations kept in the browser, per network: new chat, list, reopen.
 * Pure functions over a storage, shared with tests.
 */
import type { ChatMessage } from "@/lib/x402/shared/chat-message";
import { storageKeys } from "@/lib/browser/keys";
import { parseStoredList, type KeyValue } from "@/lib/browser/store";

/** Which agent a conversation talks to: a published one, or a pasted URL. */
export type AgentRef = { kind: "catalog"; id: string; name: string } | { kind: "url"; url: string; name: string };

export interface Conversation {
  id: string;
  title: string;
  agent: AgentRef;
  updatedAt: string;
  messages: ChatMessage[];
}

const MAX_CONVERSATIONS = 100;

export function readConversations(storage: KeyValue, chainId: number): Conversation[] {
  return parseConversations(storage.getItem(storageKeys.conversations(chainId)));
}

/** The stored text of a network's conversations, read; never throws (unreadable: none). */
export function parseConversations(raw: string | null): Conversation[] {
  return parseStoredList<Conversation>(raw, (c) => {
    const item = c as Partial<Conversation> | null;
    return typeof item?.id === "string" && Array.isArray(item?.messages) && Boolean(item?.agent);
  });
}

/** Saves (or replaces) a conversation and moves it to the top. */
export function saveConversation(storage: KeyValue, chainId: number, conversation: Conversation): void {
  const others = readConversations(storage, chainId).filter((c) => c.id !== conversation.id);
  storage.setItem(storageKeys.conversations(chainId), JSON.stringify([conversation, ...others].slice(0, MAX_CONVERSATIONS)));
}

/**
 * Puts a recovered reply back after the user message it answers (a reply lost to a reload mid-stream); false
 * when the conversation or the message is gone, or the message has its answer already.
 */
export function insertReply(storage: KeyValue, chainId: number, conversationId: string, userMessageId: string, reply: ChatMessage): boolean {
  const conversation = readConversations(storage, chainId).find((c) => c.id === conversationId);
  const index = conversation?.messages.findIndex((m) => m.id === userMessageId) ?? -1;
  if (!conversation || index < 0) return false;
  if (conversation.messages[index + 1]?.role === "assistant" || conversation.messages.some((m) => m.id === reply.id)) return false;
  const messages = [...conversation.messages.slice(0, index + 1), reply, ...conversation.messages.slice(index + 1)];
  saveConversation(storage, chainId, { ...conversation, messages, updatedAt: new Date().toISOString() });
  return true;
}

export function deleteConversation(storage: KeyValue, chainId: number, id: string): void {
  storage.setItem(storageKeys.conversations(chainId), JSON.stringify(readConversations(storage, chainId).filter((c) => c.id !== id)));
}

/** A title from the first user message. */
export function titleOf(messages: readonly ChatMessage[]): string {
  const first = messages.find((m) => m.role === "user");
  const text = first?.parts.map((p) => (p.type === "text" ? p.text : "")).join(" ").trim() ?? "";
  return text ? (text.length > 60 ? `${text.slice(0, 57)}…` : text) : "New chat";
}
