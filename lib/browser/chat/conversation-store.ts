/**
 * A subscribable view of the stored conversations of one network, for React's
 * useSyncExternalStore: snapshots are cached by the raw stored text, so an
 * unchanged store gives the same array.
 */
import { readConversations, type Conversation } from "./conversations";

const EVENT = "x402chat:conversations";
const EMPTY: Conversation[] = [];
let cache: { chainId: number; raw: string | null; value: Conversation[] } | null = null;

export function subscribeConversations(onChange: () => void): () => void {
  window.addEventListener("storage", onChange);
  window.addEventListener(EVENT, onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener(EVENT, onChange);
  };
}

export function conversationsSnapshot(chainId: number): Conversation[] {
  const raw = window.localStorage.getItem(`x402chat:conversations:v1:${chainId}`);
  if (!cache || cache.chainId !== chainId || cache.raw !== raw) {
    cache = { chainId, raw, value: readConversations(window.localStorage, chainId) };
  }
  return cache.value;
}

export const serverConversationsSnapshot = (): Conversation[] => EMPTY;

/** Tells this tab's subscribers that the store changed (the storage event only reaches other tabs). */
export function announceConversationsChanged(): void {
  window.dispatchEvent(new Event(EVENT));
}
