/**
 * Resolves an open journal entry (a payment signed and sent whose outcome this page never saw): what the chain
 * says of its authorization is the judge, the agent's server adds what the chain cannot know yet (the payment
 * never arrived, was voided, is being settled) and the reply itself, kept for its payer (POST /api/payments/:nonce).
 */
import { networkByChainId } from "@/lib/chains/networks";
import type { PaymentRecord } from "@/lib/browser/history/payments";
import type { ChatMessage } from "@/lib/x402/shared/chat-message";
import type { KeptPayment } from "@/lib/x402/shared/reply-access";
import type { JournalEntry } from "./journal";
import { checkSettlement, confirmPayment, resolveAuthorization, type ChainReader, type Resolution } from "./receipt-check";
import { checkedReceipt, claimOf } from "./receipt-stream";

/** The agent's server, for entries paid to this app's own agents. */
export interface JournalServer {
  /** The ledger's word on the payment; null when the server has no such payment (it never arrived). */
  lookUp(entry: JournalEntry): Promise<KeptPayment | null>;
  /**
   * The kept reply, asked with the payer's signature; null when there is no signer for the payer now (a locked
   * wallet), "not-kept" when the server keeps no reply for it.
   */
  fetchReply(entry: JournalEntry): Promise<KeptPayment | "not-kept" | null>;
}

export interface EntryOutcome {
  /** The history record to write (replacing an earlier one of the same payment). */
  record: PaymentRecord;
  /** The recovered reply, its receipt checked on chain, to put back in the conversation. */
  reply: ChatMessage | null;
  /** Close the entry; otherwise it stays open (the reply is still to fetch, or its fate is not known yet). */
  done: boolean;
  /** The entry's new count of passes that found no kept reply. */
  attempts?: number;
}

/** Server states in which the agent delivered a reply (a voided or unknown payment had none). */
const DELIVERED = new Set<KeptPayment["status"]>(["verified", "settling", "settled", "failed"]);
/** Passes that may find the reply not kept yet (it is stored just after the stream ends) before giving up on it. */
const MAX_REPLY_ATTEMPTS = 5;

export async function resolveEntry(entry: JournalEntry, chain: ChainReader, server: JournalServer | null): Promise<EntryOutcome> {
  const auth = entry.authorization;
  const network = networkByChainId(entry.chainId);
  const base: PaymentRecord = {
    id: entry.nonce,
    time: entry.time,
    conversationId: entry.conversationId,
    agentId: entry.agentId,
    agentName: entry.agentName,
    amount: auth.value,
    chainId: entry.chainId,
    network: network?.caip2 ?? `eip155:${entry.chainId}`,
    transaction: "",
    status: "unconfirmed",
    authorization: auth,
  };

  let kept: KeptPayment | null | undefined;
  try {
    kept = server ? await server.lookUp(entry) : undefined;
  } catch {
    kept = undefined; // the server is unreachable: the chain still answers
  }
  const claimed = kept?.transaction ?? undefined;
  const check = claimed ? await checkSettlement(chain, auth, claimed) : null;
  const found: Resolution = check?.ok ? { state: "settled", transaction: check.transaction } : await resolveAuthorization(chain, auth);

  const record = recordFor(base, found, kept, claimed);
  // Only our own server keeps replies, and only of replies it delivered; an unreachable one is asked again later.
  if (!server) return { record, reply: null, done: true };
  if (kept === undefined) return { record, reply: null, done: false };
  if (kept === null || !DELIVERED.has(kept.status)) return { record, reply: null, done: true };

  let fetched: KeptPayment | "not-kept" | null;
  try {
    fetched = await server.fetchReply(entry);
  } catch {
    fetched = null;
  }
  if (fetched === null) return { record, reply: null, done: false };
  if (fetched === "not-kept" || !isAssistantMessage(fetched.message)) {
    const attempts = (entry.attempts ?? 0) + 1;
    return { record, reply: null, done: attempts >= MAX_REPLY_ATTEMPTS, attempts };
  }
  const reply = await withCheckedReceipt(fetched.message, entry, chain);
  return { record, reply, done: true };
}

function recordFor(base: PaymentRecord, found: Resolution, kept: KeptPayment | null | undefined, claimed: string | undefined): PaymentRecord {
  switch (found.state) {
    case "settled":
      return { ...base, status: "settled", transaction: found.transaction, resolved: true };
    case "expired":
      return { ...base, status: "failed", error: "the authorization expired unused; not charged", resolved: true };
    case "canceled":
      return { ...base, status: "failed", error: "the authorization was canceled; not charged", resolved: true };
    case "open": {
      // Not settled on chain (yet): the history keeps looking (resolve.ts) until the authorization expires.
      const more = { ...(found.scannedTo !== undefined && { scannedTo: found.scannedTo }), ...(claimed && { claimedTransaction: claimed }) };
      if (kept === null) return { ...base, ...more, status: "failed", error: "the payment never reached the agent; not charged" };
      if (kept?.status === "voided") return { ...base, ...more, status: "failed", error: kept.error ?? "voided by the agent; not charged" };
      if (kept?.status === "failed") return { ...base, ...more, status: "failed", error: kept.error ?? "settlement failed" };
      if (kept) return { ...base, ...more, status: "pending", error: "the agent is settling it" };
      return { ...base, ...more, status: "unconfirmed", error: found.reason };
    }
  }
}

function isAssistantMessage(value: unknown): value is ChatMessage {
  const m = value as Partial<ChatMessage> | null;
  return typeof m === "object" && m !== null && m.role === "assistant" && typeof m.id === "string" && Array.isArray(m.parts);
}

/** The kept reply with its receipt replaced by the one the chain confirms for what this browser signed. */
async function withCheckedReceipt(message: ChatMessage, entry: JournalEntry, chain: ChainReader): Promise<ChatMessage> {
  const network = networkByChainId(entry.chainId);
  const parts = message.parts.filter((p) => p.type !== "data-receipt" && p.type !== "data-error");
  if (!network) return { ...message, parts };
  const claim = message.parts.find((p) => p.type === "data-receipt");
  const auth = entry.authorization;
  const receipt = await checkedReceipt(
    claim ? claimOf(claim.data) : null,
    { amount: BigInt(auth.value), payTo: auth.payTo, asset: auth.asset, authorization: auth },
    network,
    (a, claimed) => confirmPayment(chain, a, claimed),
  );
  return { ...message, parts: [...parts, { type: "data-receipt", data: receipt }] };
}
