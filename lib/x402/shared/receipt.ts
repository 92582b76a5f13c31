/** What a paid reply carries besides its text: shared by the server that writes it and the browser that reads it. */

/** The `data-receipt` part: the outcome of settling this message's payment. */
export interface Receipt {
  paymentId: string;
  success: boolean;
  /** Transaction hash; empty when settlement failed before one was sent. */
  transaction: string;
  /** CAIP-2. */
  network: string;
  chainId: number;
  payer: string;
  payTo: string;
  asset: string;
  /** USDC atomic units. */
  amount: string;
  amountDisplay: string;
  explorerUrl: string | null;
  error?: string;
  /** Settlement failed for a transient cause and will be retried: the payer may still be charged once. */
  pending?: boolean;
  /** Not charged although the reply was delivered (every tool call of it failed): never settled, `error` says why. */
  voided?: boolean;
  /**
   * Set by the browser, never trusted from the agent: the payment was not found on chain as signed, so what the
   * agent claimed is not shown as paid (history resolves it later from the chain).
   */
  unconfirmed?: boolean;
  /** The transaction the agent named when it could not be confirmed. */
  claimedTransaction?: string;
  /** The authorization the browser signed for this message (set by the browser). */
  authorization?: SignedAuthorization;
  /**
   * Paid on a tab (x402 `batch-settlement`): `amount` is this reply's charge, and `transaction` is empty unless this
   * message also made the deposit (a voucher moves nothing on chain; charges are claimed later in batches).
   */
  tab?: TabReceipt;
}

/** A tab's state after one reply's charge. Amounts are atomic units of the token, as decimal strings. */
export interface TabReceipt {
  channelId: string;
  /** What this reply was charged: its actual cost, never above `maxAmount`. */
  chargedAmount: string;
  /** Everything charged on this tab so far, this reply included. */
  chargedCumulativeAmount: string;
  /** The tab's deposit on chain (less withdrawals and refunds), as the server last saw it. */
  balance: string;
  /** The most one message may be charged: the agent's price, which the voucher authorized. */
  maxAmount: string;
  /** Set when this message opened or topped up the tab. */
  depositTransaction?: string;
  /**
   * Set by the browser, never trusted from the agent: the deposit transaction the agent named did not check out on
   * chain (why); it is kept as the receipt's `claimedTransaction`, not called a deposit.
   */
  depositProblem?: string;
  /** Set on a cooperative refund. */
  refundTransaction?: string;
}

/**
 * The EIP-3009 authorization the browser signed for one payment: all the client needs to find it on chain.
 * Numbers are decimal strings so it survives JSON (localStorage, the UI message stream).
 */
export interface SignedAuthorization {
  chainId: number;
  asset: string;
  payer: string;
  payTo: string;
  /** USDC atomic units. */
  value: string;
  nonce: string;
  /** Unix seconds: the token refuses it in any block at or after this time. */
  validBefore: string;
  /** A block read before signing: the authorization cannot have been used earlier. */
  fromBlock?: string;
}

/** The `data-usage` part. */
export interface UsageReport {
  model: string;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  toolCalls: number;
  latencyMs: number;
  firstTokenMs: number | null;
}
