import { errorCodeOfBody, type ErrorCode, type WireError } from "@/lib/errors";

/** How the chat shows a failed message; `data-kind` of the error box, which e2e tests read. */
export type ChatFailureKind = "policy" | "funds" | "gas" | "locked" | "wallet" | "rejected" | "not-payable" | "settlement" | "unreachable" | "agent";

const KINDS: Partial<Record<ErrorCode, { kind: ChatFailureKind; title: string }>> = {
  policy_refused: { kind: "policy", title: "Payment refused by your policy" },
  quote_changed: { kind: "policy", title: "Payment refused by your policy" },
  insufficient_funds: { kind: "funds", title: "Not enough USDC" },
  // A transaction the wallet sends itself (pay-by-transfer, a tab's top-up or withdrawal) needs ETH for its gas.
  insufficient_gas: { kind: "gas", title: "Not enough ETH for gas" },
  wallet_locked: { kind: "locked", title: "Wallet locked" },
  wallet_refused: { kind: "wallet", title: "Your wallet did not sign" },
  payment_rejected: { kind: "rejected", title: "Payment rejected by the agent" },
  not_payable: { kind: "not-payable", title: "Cannot pay this agent" },
  settlement_failed: { kind: "settlement", title: "Settlement failed" },
  unreachable: { kind: "unreachable", title: "Agent unreachable" },
  timeout: { kind: "unreachable", title: "Agent unreachable" },
  blocked_target: { kind: "unreachable", title: "Agent unreachable" },
};

/**
 * What went wrong with a message, by code, never by its words. In order: the paying client's own stop (its
 * reason), the code the reply's stream sent (`data-error`), the code of an error answer (the transport throws
 * with the body as the message), and a fetch that never got an answer (fetch rejects with a TypeError).
 */
export function classifyChatFailure(
  error: Error,
  stop: { reason: ErrorCode } | null,
  streamed: WireError | null,
): { kind: ChatFailureKind; title: string } {
  const code = stop?.reason ?? streamed?.code ?? errorCodeOfBody(error.message) ?? (error instanceof TypeError ? "unreachable" : null);
  return (code && KINDS[code]) || { kind: "agent", title: "The agent failed" };
}
