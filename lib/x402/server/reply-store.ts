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
 * The paid reply's stream writer, which also keeps the reply: every chunk goes to the payer as before, and once
 * the receipt is written (a delivered reply, paid for) the whole message is stored by its payment, so a payer who
 * lost it (reloaded mid-reply) can fetch it again (an `exact` payment's: by its authorization). Storing never
 * holds up or fails the reply.
 */
export function keepingReply(writer: UIMessageStreamWriter<ChatMessage>, paid: PaidRequest): UIMessageStreamWriter<ChatMessage> {
  // A tab's payer is known by its channel, not by an authorization nonce: its replies are not kept (yet).
  if (paid.kind !== "exact") return writer;
  const { ledger } = paid;
  const paymentId = paid.record.id;
  const chunks: ChatChunk[] = [];
  return {
    ...writer,
    write(chunk) {
      writer.write(chunk);
      chunks.push(chunk);
      if (chunk.type === "data-receipt") {
        void keep(ledger, paymentId, chunks.splice(0)).catch((err: unknown) =>
          console.error(`[x402] reply of payment ${paymentId} not kept: ${(err as Error).message}`),
        );
      }
    },
  };
}

async function keep(ledger: Ledger, paymentId: string, chunks: ChatChunk[]): Promise<void> {
  const stream = new ReadableStream<ChatChunk>({
    start(controller) {
      for (const chunk of chunks) if (chunk.type !== "data-error") controller.enqueue(chunk);
      controller.close();
    },
  });
  let message: ChatMessage | undefined;
  for await (const snapshot of readUIMessageStream<ChatMessage>({ stream })) message = snapshot;
  if (message) await ledger.replies().keep(paymentId, JSON.stringify(message));
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
  return { ok: true, payment: { ...describe(payment), message: JSON.parse(kept) as unknown } };
}
