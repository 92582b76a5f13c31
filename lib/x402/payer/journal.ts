/**
 * The payment journal: every payment this browser signs is written here BEFORE its signature leaves the page, and
 * leaves the journal only once its outcome is in the history (and its reply, if one can be fetched again, is back
 * in its conversation). A reload, a closed tab or a dropped connection mid-reply leaves the entry open, and the
 * next page load resolves it (journal-resolve.ts): from the agent's server, from the chain, or both.
 * One list per network (localStorage, every tab and payer of that network); pure functions over a storage.
 */
import { storageKeys } from "@/lib/browser/keys";
import { createLocalStore, parseStoredList, type KeyValue } from "@/lib/browser/store";
import type { SignedAuthorization } from "@/lib/x402/shared/receipt";

export interface JournalEntry {
  /** The authorization's nonce: the entry's id, as it is the history record's. */
  nonce: string;
  chainId: number;
  /** What was signed: payer, payee, amount, validity, where on chain to look. */
  authorization: SignedAuthorization;
  agentId: string;
  agentName: string;
  /** Where the payment went: this app's own paid route (whose ledger can be asked), or elsewhere. */
  ownServer: boolean;
  conversationId: string;
  /** The user message this payment is for. */
  messageId: string;
  time: string;
  /** The history has its record already; only its reply is still to be fetched (the payer's key is needed). */
  recorded?: boolean;
  /** Passes that found the reply not (yet) kept by the server. */
  attempts?: number;
}

/** Far more than anyone has open at once; the oldest go first. */
const MAX_ENTRIES = 500;

export function parseJournal(raw: string | null): JournalEntry[] {
  return parseStoredList<JournalEntry>(raw, (value) => {
    const e = value as Partial<JournalEntry> | null;
    return typeof e?.nonce === "string" && typeof e.messageId === "string" && typeof e.authorization?.nonce === "string";
  });
}

export function readJournal(storage: KeyValue, chainId: number): JournalEntry[] {
  return parseJournal(storage.getItem(storageKeys.journal(chainId)));
}

/** Records a payment about to be sent; throws if storage refuses (then nothing must be sent). */
export function openEntry(storage: KeyValue, entry: JournalEntry): void {
  const others = readJournal(storage, entry.chainId).filter((e) => e.nonce !== entry.nonce);
  storage.setItem(storageKeys.journal(entry.chainId), JSON.stringify([...others, entry].slice(-MAX_ENTRIES)));
}

export function updateEntry(storage: KeyValue, chainId: number, nonce: string, patch: Partial<JournalEntry>): void {
  const entries = readJournal(storage, chainId);
  storage.setItem(storageKeys.journal(chainId), JSON.stringify(entries.map((e) => (e.nonce === nonce ? { ...e, ...patch } : e))));
}

export function closeEntry(storage: KeyValue, chainId: number, nonce: string): void {
  const entries = readJournal(storage, chainId);
  if (entries.some((e) => e.nonce === nonce)) storage.setItem(storageKeys.journal(chainId), JSON.stringify(entries.filter((e) => e.nonce !== nonce)));
}

const EMPTY: JournalEntry[] = [];

/** The open entries of one network, live across tabs (useLocalStore(journalStore, chainId)). */
export const journalStore = createLocalStore<[chainId: number], JournalEntry[]>({
  key: storageKeys.journal,
  parse: parseJournal,
  server: EMPTY,
});
