/**
 * The browser's tabs on one network, in localStorage: the SDK's channel state (its ClientChannelStorage) plus what
 * the chat needs around it (the route a refund goes to, the receiver, a tab stopped for a misbehaving seller).
 * A tab the seller cheated on stays stopped after a reload and after its refund, so the same channel (same
 * payer, receiver and session key) is never paid again by mistake.
 */
import type { BatchSettlementClientContext, BatchSettlementEvmScheme, ClientChannelStorage } from "@x402/evm/batch-settlement/client";
import { storageKeys } from "@/lib/browser/keys";
import { createLocalStore, parseStoredList, type KeyValue } from "@/lib/browser/store";

/** A channel's immutable config (payer, payerAuthorizer, receiver, receiverAuthorizer, token, withdrawDelay, salt). */
export type TabChannelConfig = ReturnType<BatchSettlementEvmScheme["buildChannelConfig"]>;

export interface StoredTab {
  /** Lowercase bytes32, the SDK's storage key. */
  channelId: string;
  /** The SDK's state of the channel; absent once it was refunded (a stopped tab is kept for its flag). */
  context?: BatchSettlementClientContext;
  /** A paid route of the agent: where a cooperative refund is sent. */
  url?: string;
  receiver?: string;
  /** The channel's config: what the wallet's own timed withdrawal needs, without the session key (tab-withdraw.ts). */
  config?: TabChannelConfig;
  /** Set when the seller failed a check: nothing more is signed for this tab. */
  stopped?: { code: string; message: string };
  /** Unix ms of the last write. */
  updatedAt: number;
}

const isStoredTab = (item: unknown): boolean => {
  const t = item as Partial<StoredTab> | null;
  return typeof t === "object" && t !== null && typeof t.channelId === "string" && /^0x[0-9a-f]{64}$/.test(t.channelId) && typeof t.updatedAt === "number";
};

export function readTabs(storage: Pick<Storage, "getItem">, chainId: number): StoredTab[] {
  return parseStoredList<StoredTab>(storage.getItem(storageKeys.tabs(chainId)), isStoredTab);
}

/** The tabs of a network, live for React (`useLocalStore(tabStore, chainId)`). */
export const tabStore = createLocalStore<[chainId: number], StoredTab[]>({
  key: (chainId) => storageKeys.tabs(chainId),
  parse: (raw) => parseStoredList<StoredTab>(raw, isStoredTab),
  server: [],
});

/** The tabs still open (with a deposit the browser knows of), for the open-tabs list. */
export function openTabs(tabs: StoredTab[]): StoredTab[] {
  return tabs.filter((t) => t.context !== undefined && BigInt(t.context.balance ?? "0") > 0n);
}

export interface TabStorage extends ClientChannelStorage {
  /** Every tab this browser keeps on the network. */
  all(): StoredTab[];
  /** The whole record of a tab (undefined if this browser never paid it). */
  record(channelId: string): StoredTab | undefined;
  /** Merges fields of a tab's record (its route, receiver, stop). */
  annotate(channelId: string, fields: Partial<Omit<StoredTab, "channelId" | "context" | "updatedAt">>): void;
}

/**
 * The SDK's channel storage for one network over a key-value store (window.localStorage in the browser, a
 * stand-in in tests). Every write tells the page's subscribers (the open-tabs list).
 */
export function tabStorage(chainId: number, storage: KeyValue = window.localStorage): TabStorage {
  const key = storageKeys.tabs(chainId);
  const read = () => readTabs(storage, chainId);
  const write = (change: (tabs: StoredTab[]) => StoredTab[]) => {
    storage.setItem(key, JSON.stringify(change(read())));
    tabStore.announce();
  };
  const upsert = (channelId: string, change: (tab: StoredTab) => StoredTab) =>
    write((tabs) => {
      const id = channelId.toLowerCase();
      const current = tabs.find((t) => t.channelId === id) ?? { channelId: id, updatedAt: 0 };
      return [...tabs.filter((t) => t.channelId !== id), { ...change(current), channelId: id, updatedAt: Date.now() }];
    });
  return {
    async get(channelId) {
      return read().find((t) => t.channelId === channelId.toLowerCase())?.context;
    },
    async set(channelId, context) {
      upsert(channelId, (tab) => ({ ...tab, context }));
    },
    async delete(channelId) {
      const id = channelId.toLowerCase();
      const tab = read().find((t) => t.channelId === id);
      if (tab?.stopped) upsert(id, (kept) => ({ ...kept, context: undefined }));
      else write((tabs) => tabs.filter((t) => t.channelId !== id));
    },
    all: read,
    record(channelId) {
      return read().find((t) => t.channelId === channelId.toLowerCase());
    },
    annotate(channelId, fields) {
      upsert(channelId, (tab) => ({ ...tab, ...fields }));
    },
  };
}
