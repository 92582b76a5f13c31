/**
 * The error codes that cross the wire (`{error: {code, message}}` bodies, the chat stream's `data-error` part) and
 * the reasons the paying client stops for. The server's spellings are the contract: clients branch on them, so a
 * code is never renamed, only added.
 */
export const ERROR_CODES = [
  // Bodies and requests (lib/http/body.ts, the routes' schemas).
  "body_too_large",
  "unsupported_media_type",
  "invalid_json",
  "invalid_request",
  "invalid_messages",
  "invalid_address",
  "bad_url",
  // Who may call.
  "cross_site",
  "client_header_required",
  "host_not_allowed",
  "allowed_hosts_invalid",
  "rate_limited",
  // Agents and their replies.
  "agents_config_invalid",
  "unknown_agent",
  "agent_unavailable",
  "agent_failed",
  "client_disconnected",
  // Paying for a reply.
  "payment_required",
  "insufficient_funds",
  "insufficient_gas",
  "invalid_payment_header",
  "invalid_payment_payload",
  "unsupported_network",
  "payment_mismatch",
  "authorization_validity_too_long",
  "payment_already_used",
  "settlement_failed",
  // Tabs (x402 batch-settlement): the tab is serving another message (one at a time per tab).
  "tab_busy",
  // Our facilitator.
  "zero_amount",
  "payee_not_served",
  "verify_failed",
  "settle_failed",
  // Facilitator API keys and the /facilitator page's sign-in (lib/x402/facilitator/keys.ts).
  "scheme_not_served",
  "network_not_allowed",
  "unknown_api_key",
  "api_key_revoked",
  "not_signed_in",
  "sign_in_failed",
  "too_many_keys",
  "unknown_key",
  // What the server depends on.
  "facilitator_unavailable",
  "ledger_unavailable",
  "chain_unreachable",
  "rpc_unavailable",
  "unknown_network",
  // The faucet.
  "no_faucet",
  "faucet_busy",
  "faucet_failed",
  // Other agents, reached through the safe fetch and the proxy.
  "blocked_target",
  "timeout",
  "unreachable",
  "too_many_redirects",
  "too_large",
  "bad_gateway",
  // The paying client stops before paying (lib/x402/payer/paying-fetch.ts).
  "wallet_locked",
  "wallet_refused",
  "not_payable",
  "quote_changed",
  "policy_refused",
  "payment_rejected",
  // The browser's tab payer stops a tab whose seller failed a check of its charge (lib/x402/payer/tab-client.ts).
  "tab_seller_misbehaved",
  // A paid reply fetched again by its payer (lib/x402/server/reply-store.ts).
  "unknown_payment",
  "reply_not_kept",
  "reply_access_denied",
  // Paid by transfer, proven by its transaction hash (Atelier's pay-then-prove, lib/x402/server/atelier.ts).
  "unknown_service",
  "transfer_not_found",
  "transfer_failed",
  "transfer_insufficient",
  "transfer_too_old",
  "transfer_in_use",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN = new Set<string>(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && KNOWN.has(value);
}

/** A failure as the wire carries it: the `error` of a JSON error body, the `data-error` part of a chat stream. */
export interface WireError {
  code: ErrorCode;
  message: string;
}

/** The code of a JSON error body (`{error: {code, message}}`), or null for any other text. */
export function errorCodeOfBody(body: string): ErrorCode | null {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = typeof parsed === "object" && parsed !== null ? (parsed as { error?: unknown }).error : undefined;
    const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
    return isErrorCode(code) ? code : null;
  } catch {
    return null;
  }
}

interface ErrorLike {
  shortMessage?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

/**
 * One line that says why a call failed: viem's short message rather than its multi-line dump, plus the root
 * cause ("connect ECONNREFUSED …") that viem and fetch bury under "HTTP request failed" / "fetch failed".
 */
export function describeError(error: unknown): string {
  const summary = messageOf(error);
  const root = messageOf(rootCause(error));
  const line = root && root !== summary ? `${summary} (${root})` : summary;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function messageOf(error: unknown): string {
  const e = (error ?? {}) as ErrorLike;
  // Node's AggregateError for a refused connection has an empty message but a code.
  const text = [e.shortMessage, e.message, e.code].find((v) => typeof v === "string" && v !== "") ?? String(error);
  return String(text).split("\n")[0]!;
}

function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 10 && (current as ErrorLike | undefined)?.cause; depth++) {
    current = (current as ErrorLike).cause;
  }
  return current;
}
