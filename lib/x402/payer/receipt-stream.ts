/**
 * The agent's `data-receipt` is a claim. Before the chat sees a reply, its receipt is replaced by what the
 * chain shows for the authorization this browser signed: "Paid" only for a settlement found on chain, in the
 * signed amount; otherwise "unconfirmed" with the signed amount (never the amount the agent claims). A paid
 * reply without a receipt gets an unconfirmed one; receipts for unpaid replies, and repeats, are dropped.
 */
import { explorerTxUrl, type Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import type { Receipt, SignedAuthorization } from "@/lib/x402/shared/receipt";
import type { SettlementCheck } from "./receipt-check";
import { forward, rewriteUiStream, sseData } from "./ui-stream";

export interface PaidMessage {
  amount: bigint;
  payTo: string;
  asset: string;
  authorization: SignedAuthorization;
}

export type Confirm = (auth: SignedAuthorization, claimedTransaction: string | undefined) => Promise<SettlementCheck>;

/** What is kept of the agent's receipt: its plain fields, type-checked, nothing it says about money. */
export interface Claim {
  paymentId?: string;
  success: boolean;
  pending: boolean;
  /** The agent says it never used the payment (every tool call failed): nothing to find on chain. */
  voided: boolean;
  transaction?: string;
  error?: string;
}

export function claimOf(data: unknown): Claim {
  const d = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" && v.length > 0 ? v.slice(0, 500) : undefined);
  return { paymentId: text(d.paymentId), success: d.success === true, pending: d.pending === true, voided: d.voided === true, transaction: text(d.transaction), error: text(d.error) };
}

export async function checkedReceipt(claim: Claim | null, paid: PaidMessage, network: Network, confirm: Confirm): Promise<Receipt> {
  const auth = paid.authorization;
  let check: SettlementCheck;
  try {
    check = await confirm(auth, claim?.transaction);
  } catch (err) {
    check = { ok: false, reason: `could not read the chain: ${(err as Error).message}` };
  }
  const base = {
    paymentId: claim?.paymentId ?? auth.nonce,
    network: network.caip2,
    chainId: network.chainId,
    payer: auth.payer,
    payTo: auth.payTo,
    asset: auth.asset,
    amount: auth.value,
    amountDisplay: formatUsdc(auth.value, network.usdc.decimals),
    authorization: auth,
  };
  if (check.ok) return { ...base, success: true, transaction: check.transaction, explorerUrl: explorerTxUrl(network, check.transaction) };
  const unchecked = { ...base, success: false, transaction: "", explorerUrl: null, ...(claim?.transaction && { claimedTransaction: claim.transaction }) };
  // An agent that says it did not settle (or will retry) claims no payment: keep its words; history re-checks.
  if (claim && !claim.success) return { ...unchecked, ...(claim.pending && { pending: true }), ...(claim.voided && { voided: true }), error: claim.error ?? "settlement failed" };
  return { ...unchecked, unconfirmed: true, error: claim ? check.reason : "the agent sent no receipt" };
}

/** `res` as an AI SDK UI message stream whose receipt is the checked one. */
export function verifyReceipts(res: Response, paid: PaidMessage | null, network: Network, confirm: Confirm): Response {
  let receiptSent = false;
  const sendReceipt = async (controller: TransformStreamDefaultController<Uint8Array>, claim: Claim | null) => {
    if (receiptSent || !paid) return;
    receiptSent = true;
    controller.enqueue(sseData({ type: "data-receipt", data: await checkedReceipt(claim, paid, network, confirm) }));
  };
  return rewriteUiStream(
    res,
    async (event, controller) => {
      const type = event.chunk ? event.chunk.type : event.data === "[DONE]" ? "[DONE]" : undefined;
      if (type === "data-receipt") return sendReceipt(controller, claimOf(event.chunk?.data));
      // A paid reply that ends without a receipt still shows what was signed.
      if (type === "finish" || type === "[DONE]") await sendReceipt(controller, null);
      forward(event, controller);
    },
    (controller) => sendReceipt(controller, null),
  );
}
