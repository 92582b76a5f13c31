/**
 * Who may read a paid reply again: its payer, by signing this request with the key that signed the payment. The
 * payment's nonce alone is no proof (it is public on chain once settled), nor is the authorization (its signature
 * is in the settlement's calldata); a fresh signature of the payer over the nonce and a near expiry is.
 */
import type { Address, Hex } from "viem";

export const REPLY_ACCESS_TYPES = {
  ReadReply: [
    { name: "payer", type: "address" },
    { name: "nonce", type: "bytes32" },
    { name: "expires", type: "uint64" },
  ],
} as const;

/** A signed request may be at most this far from expiring, so a leaked one is soon useless. */
export const REPLY_ACCESS_MAX_SECONDS = 600;

export function replyAccessDomain(chainId: number) {
  return { name: "x402 Chat reply", version: "1", chainId } as const;
}

export interface ReplyAccessMessage {
  payer: Address;
  nonce: Hex;
  /** Unix seconds. */
  expires: bigint;
}

/** POST /api/payments/:nonce: the payment's network (CAIP-2) and asset, its payer, and the payer's signature. */
export interface ReplyAccessRequest {
  network: string;
  asset: string;
  payer: string;
  /** Unix seconds, as a decimal string. */
  expires: string;
  signature: string;
}

/** What the server says about a payment (GET), with the kept reply when the payer asked for it (POST). */
export interface KeptPayment {
  paymentId: string;
  agentId: string;
  status: "verified" | "settling" | "settled" | "failed" | "voided";
  transaction: string | null;
  error: string | null;
  /** The assistant's UI message as it was streamed, its receipt the server's claim; POST only. */
  message?: unknown;
}
