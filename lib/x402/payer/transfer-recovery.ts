/**
 * Transfers sent but not proven (the page reloaded between mined and proven, or the agent did not answer the
 * proof): on load, each open entry of the transfer journal is proven again, with its hash, to the URL and with the
 * request it paid for. The agent's reply becomes the chat's reply (with this browser's own receipt) and the history's
 * record; a hash the agent says it already served is recorded as paid and closed, since the money moved.
 */
import type { KeyValue } from "@/lib/browser/store";
import type { Network } from "@/lib/chains/networks";
import { recordOfReply, type PaymentRecord } from "@/lib/browser/history/payments";
import { replyText } from "@/lib/remote-agents/reply-adapter";
import type { ChatMessage } from "@/lib/x402/shared/chat-message";
import { closeTransfer, proveTransfer, readTransfers, transferReceipt, updateTransfer, type TransferEntry } from "./pay-by-transfer";

export interface RecoveredTransfer {
  entry: TransferEntry;
  /** The agent's reply to insert after the entry's message, null when it did not give one. */
  reply: ChatMessage | null;
  /** The history's record of the payment. */
  record: PaymentRecord;
}

/** The agent's address for the history: the pasted URL behind the proxy, else the URL posted to. */
function agentIdOf(url: string): string {
  try {
    const parsed = new URL(url, "http://page.invalid");
    return parsed.pathname === "/api/proxy" ? (parsed.searchParams.get("url") ?? url) : url;
  } catch {
    return url;
  }
}

/**
 * One pass over a network's open transfers. `mined` reads a transaction's outcome on chain (null: not mined yet);
 * an entry whose transfer reverted is closed (nothing moved), one not mined yet or whose agent is unreachable stays.
 */
export async function recoverTransfers(
  storage: KeyValue,
  network: Network,
  baseFetch: typeof fetch,
  mined: (hash: `0x${string}`) => Promise<"success" | "reverted" | null>,
  /** Runs `fn` only if no page is still paying that transfer (journal-lock.ts's withFreeEntry in the browser). */
  withFree: (hash: string, fn: () => Promise<void>) => Promise<boolean> = async (_hash, fn) => (await fn(), true),
): Promise<RecoveredTransfer[]> {
  const recovered: RecoveredTransfer[] = [];
  for (const { hash } of readTransfers(storage, network.chainId)) {
    await withFree(hash, async () => {
      // Another page may have proven it meanwhile.
      const entry = readTransfers(storage, network.chainId).find((e) => e.hash === hash);
      if (!entry) return;
      const outcome = entry.mined ?? (await mined(entry.hash).catch(() => null));
      if (outcome === "reverted") return closeTransfer(storage, network.chainId, entry.hash);
      if (outcome !== "success" || !entry.request) return;
      if (!entry.mined) updateTransfer(storage, network.chainId, entry.hash, { mined: "success" });
      const res = await proveTransfer(baseFetch, entry, { method: "POST", headers: entry.request.headers, body: entry.request.body }).catch(() => null);
      if (!res || !(res.ok || res.status === 409)) return; // unreachable, busy, or not taken yet: the next pass tries again
      const done = { ...entry, mined: "success" as const };
      const text = res.ok ? replyText(await res.text(), res.headers.get("content-type") ?? "") : null;
      const reply: ChatMessage = {
        id: `transfer-${entry.hash}`,
        role: "assistant",
        parts: [...(text !== null ? [{ type: "text" as const, text }] : []), { type: "data-receipt", data: transferReceipt(done, network) }],
      };
      const meta = { conversationId: entry.conversationId ?? "", agentId: agentIdOf(entry.url), agentName: entry.agentName, chainId: network.chainId, time: entry.time };
      const record = recordOfReply(reply, meta)!;
      recovered.push({
        entry: done,
        reply: text !== null ? reply : null,
        record: text !== null ? record : { ...record, error: "the agent had already served this transfer; its reply was not received" },
      });
      closeTransfer(storage, network.chainId, entry.hash);
    });
  }
  return recovered;
}
