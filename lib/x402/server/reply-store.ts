import "server-only";
import { readUIMessageStream, type UIMessageStreamWriter } from "ai";
import { verifyTypedData, type Address, type Hex } from "viem";
import { networkByX402Id } from "@/lib/chains/networks";
import type { Ledger, Payment } from "@/lib/ledger";
import type { ChatChunk, ChatMessage } from "@/lib/x402/shared/chat-message";
import type { PaidRequest } from "./gate";
import {
  REPLY_ACCESS_MAX_SECONDS,
  REPLY_ACCESS_TYPES,
  replyAccessDomain,
  type KeptPayment,
  type ReplyAccessRequest,
} from "@/lib/x402/shared/reply-access";

/**
 * The paid reply's stream writer, which also keeps the reply: every chunk goes to the payer as before, and is
 * collected, so a payer who lost the reply (reloaded mid-reply) can fetch it again (an `exact` payment's: by its
 * authorization). PaidReply stores it once the receipt is written (a delivered reply), with its usage, in one
 * statement (keptReplyOf); storing never holds up or fails the reply.
 */
export function keepingReply(writer: UIMessageStreamWriter<ChatMessage>, paid: PaidRequest): UIMessageStreamWriter<ChatMessage> {
  // A tab's payer is known by its channel, not by an authorization nonce: its replies are not kept (yet).
  if (paid.kind !== "exact") return writer;
  const chunks: ChatChunk[] = [];
  keptChunks.set(paid, chunks);
  return {
    ...writer,
    write(chunk) {
      writer.write(chunk);
      collect(chunks, chunk);
    },
  };
}

const keptChunks = new WeakMap<PaidRequest, ChatChunk[]>();

/**
 * The reply as it is stored: its chunks as written, the deltas of one part joined. The message is rebuilt from
 * them only when a payer asks for it again (rare), not for every reply. Undefined: a reply not kept (JSON, tab).
 */
export function keptReplyOf(paid: PaidRequest): string | undefined {
  const chunks = keptChunks.get(paid);
  // The message ends at its receipt: an error said after it is not part of it.
  let end = chunks ? chunks.length - 1 : -1;
  while (end >= 0 && chunks![end]!.type !== "data-receipt") end -= 1;
  return end < 0 ? undefined : JSON.stringify(chunks!.slice(0, end + 1));
}

/** Appends a chunk, joining a delta to the one before it of the same part (copies: the written chunks are the payer's). */
function collect(chunks: ChatChunk[], chunk: ChatChunk): void {
  // A failure is transient: the message keeps none.
  if (chunk.type === "data-error") return;
  const last = chunks.at(-1);
  if (last && chunk.type === last.type) {
    if ((chunk.type === "text-delta" || chunk.type === "reasoning-delta") && chunk.id === (last as typeof chunk).id) {
      (last as typeof chunk).delta += chunk.delta;
      return;
    }
    if (chunk.type === "tool-input-delta" && chunk.toolCallId === (last as typeof chunk).toolCallId) {
      (last as typeof chunk).inputTextDelta += chunk.inputTextDelta;
      return;
    }
  }
  const joinable = chunk.type === "text-delta" || chunk.type === "reasoning-delta" || chunk.type === "tool-input-delta";
  chunks.push(joinable ? { ...chunk } : chunk);
}

/** The kept message: stored as its chunks (keptReplyOf), or as the message itself by earlier versions. */
async function keptMessage(kept: string): Promise<unknown> {
  const stored = JSON.parse(kept) as unknown;
  if (!Array.isArray(stored)) return stored;
  const chunks = stored as ChatChunk[];
  const stream = new ReadableStream<ChatChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let message: ChatMessage | undefined;
  for await (const snapshot of readUIMessageStream<ChatMessage>({ stream })) message = snapshot;
  return message;
}

export interface PaymentKey {
  network: string;
  asset: string;
  payer: string;
  nonce: string;
}

function describe(payment: Payment): KeptPayment {
  return {
    paymentId: payment.id,
    agentId: payment.agentId,
    status: payment.status,
    transaction: payment.txHash,
    error: payment.error,
  };
}

/** What the ledger says of a payment (no reply): anyone holding its nonce may ask, it is on chain once settled. */
export async function lookUpPayment(ledger: Ledger, key: PaymentKey): Promise<KeptPayment | null> {
  const payment = await ledger.findPaymentByNonce(key);
  return payment ? describe(payment) : null;
}

export type ReplyAccess =
  | { ok: true; payment: KeptPayment }
  | { ok: false; status: 403 | 404; code: "reply_access_denied" | "unknown_payment" | "reply_not_kept"; message: string };

/** The payment and its kept reply, for its payer only: the request must carry the payer's fresh signature. */
export async function readKeptReply(ledger: Ledger, nonce: string, req: ReplyAccessRequest, nowSeconds = Math.floor(Date.now() / 1000)): Promise<ReplyAccess> {
  const network = networkByX402Id(req.network);
  const expires = BigInt(req.expires);
  if (!network) return { ok: false, status: 404, code: "unknown_payment", message: `No payment on ${req.network} here.` };
  if (expires <= BigInt(nowSeconds) || expires > BigInt(nowSeconds + REPLY_ACCESS_MAX_SECONDS)) {
    return { ok: false, status: 403, code: "reply_access_denied", message: `The signed request must expire within ${REPLY_ACCESS_MAX_SECONDS} s from now.` };
  }
  const signed = await verifyTypedData({
    address: req.payer as Address,
    domain: replyAccessDomain(network.chainId),
    types: REPLY_ACCESS_TYPES,
    primaryType: "ReadReply",
    message: { payer: req.payer as Address, nonce: nonce as Hex, expires },
    signature: req.signature as Hex,
  }).catch(() => false);
  if (!signed) return { ok: false, status: 403, code: "reply_access_denied", message: "The signature is not the payer's." };
  const payment = await ledger.findPaymentByNonce({ network: req.network, asset: req.asset, payer: req.payer, nonce });
  if (!payment) return { ok: false, status: 404, code: "unknown_payment", message: "This server has no payment with that authorization." };
  const kept = await ledger.replies().get(payment.id);
  if (kept === undefined) {
    return { ok: false, status: 404, code: "reply_not_kept", message: `No reply is kept for this payment (it is ${payment.status}, or older than a day).` };
  }
  return { ok: true, payment: { ...describe(payment), message: await keptMessage(kept) } };
}
