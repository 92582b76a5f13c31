/** Resolving the payment journal: loaded on demand by useJournalRecovery, since it brings the chain reader (viem). */
import { conversationsStore } from "@/lib/browser/chat/conversation-store";
import { insertReply } from "@/lib/browser/chat/conversations";
import { addPayment, readPayments, updatePayment, type PaymentRecord } from "@/lib/browser/history/payments";
import { paymentsStore } from "@/lib/browser/history/store";
import { networkByChainId } from "@/lib/chains/networks";
import { walletSession } from "@/lib/wallet/session";
import { relayReader } from "@/lib/x402/payer/chain-reader";
import { closeEntry, journalStore, readJournal, updateEntry } from "@/lib/x402/payer/journal";
import { withFreeEntry } from "@/lib/x402/payer/journal-lock";
import { resolveEntry } from "@/lib/x402/payer/journal-resolve";
import { appJournalServer } from "@/lib/x402/payer/journal-server";
import { recoverTransfers } from "@/lib/x402/payer/transfer-recovery";
import { BALANCES_CHANGED_EVENT } from "@/components/wallet/useBalances";

const server = appJournalServer((chainId) => walletSession.account(chainId));
const running = new Set<number>();

/** One pass over a network's open journal entries that no page is still receiving; returns how many were closed. */
export async function recoverJournal(chainId: number): Promise<number> {
  if (running.has(chainId)) return 0;
  running.add(chainId);
  let closed = 0;
  try {
    for (const entry of readJournal(window.localStorage, chainId)) {
      await withFreeEntry(entry.nonce, async () => {
        // Another page may have closed it meanwhile.
        const current = readJournal(window.localStorage, chainId).find((e) => e.nonce === entry.nonce);
        if (!current) return;
        const outcome = await resolveEntry(current, relayReader(chainId), current.ownServer ? server : null);
        paymentsStore.update((storage) => writeRecord(storage, outcome.record));
        if (outcome.reply) {
          const reply = outcome.reply;
          conversationsStore.update((storage) => insertReply(storage, chainId, current.conversationId, current.messageId, reply));
        }
        journalStore.update((storage) =>
          outcome.done ? closeEntry(storage, chainId, current.nonce) : updateEntry(storage, chainId, current.nonce, { recorded: true, attempts: outcome.attempts ?? current.attempts }),
        );
        if (outcome.done) closed += 1;
      }).catch(() => false); // the chain or the server is unreachable now: the next pass tries again
    }
  } finally {
    running.delete(chainId);
  }
  if (closed > 0) window.dispatchEvent(new Event(BALANCES_CHANGED_EVENT));
  return closed;
}

/**
 * Proves again the network's transfers sent and not proven (a pay-then-prove agent's, transfer-recovery.ts): each
 * reply goes into its conversation after its message, each payment into the history.
 */
export async function recoverOpenTransfers(chainId: number): Promise<number> {
  const network = networkByChainId(chainId);
  if (!network) return 0;
  const reader = relayReader(chainId);
  const mined = async (hash: `0x${string}`) => (await reader.getTransactionReceipt({ hash }).catch(() => null))?.status ?? null;
  const recovered = await recoverTransfers(window.localStorage, network, (input, init) => fetch(input, init), mined, withFreeEntry);
  for (const { entry, reply, record } of recovered) {
    paymentsStore.update((storage) => writeRecord(storage, record));
    if (reply && entry.conversationId && entry.messageId) {
      const [conversationId, messageId] = [entry.conversationId, entry.messageId];
      conversationsStore.update((storage) => insertReply(storage, chainId, conversationId, messageId, reply));
    }
  }
  if (recovered.length > 0) window.dispatchEvent(new Event(BALANCES_CHANGED_EVENT));
  return recovered.length;
}

/** Writes the record, never undoing a settlement the history already confirmed on chain. */
function writeRecord(storage: Storage, record: PaymentRecord): void {
  const existing = readPayments(storage, record.chainId).find((r) => r.id === record.id);
  if (existing?.status === "settled") return;
  if (existing) updatePayment(storage, record.chainId, record.id, record);
  else addPayment(storage, record);
}

