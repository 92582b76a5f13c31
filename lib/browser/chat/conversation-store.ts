/** The stored conversations of one network, live across tabs (useLocalStore(conversationsStore, chainId)). */
import { storageKeys } from "@/lib/browser/keys";
import { createLocalStore } from "@/lib/browser/store";
import { parseConversations, type Conversation } from "./conversations";

const EMPTY: Conversation[] = [];

export const conversationsStore = createLocalStore<[chainId: number], Conversation[]>({
  key: storageKeys.conversations,
  parse: parseConversations,
  server: EMPTY,
});
