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

/** The data parts of a chat message, as the AI SDK's UIMessage type parameter. */
export type ChatDataParts = { receipt: Receipt; usage: UsageReport };
