import "server-only";
import { z } from "zod";
import { listAgents } from "@/lib/agents/registry";
import { NETWORKS, networkByX402Id } from "@/lib/chains/networks";
import type { ErrorCode } from "@/lib/errors";
import { RateLimiter } from "@/lib/http/rate-limit";

/**
 * Who may use our facilitator over HTTP. Its key pays the gas of every settlement (on Base networks real gas,
 * once FACILITATOR_PRIVATE_KEY is set), so it serves only payments to this app's own agents, never a zero
 * amount, and at a bounded rate per payer. Other sellers come in with a facilitator API key, which reaches only
 * its owner's own address (KeyScope).
 */

export type GuardRefusal = { status: 400 | 403 | 429; code: ErrorCode; message: string; retryAfterMs?: number };

/** Settlements per payer per window: far above what one person chats, far below what drains the gas key. */
const SETTLE_WINDOW_MS = 60_000;
const SETTLES_PER_PAYER = 30;
const settleLimiter = new RateLimiter(SETTLE_WINDOW_MS, SETTLES_PER_PAYER);

/** The fields the guard reads; the SDK validates everything else. */
const GuardedRequestSchema = z.object({
  paymentPayload: z.object({
    payload: z.object({ authorization: z.object({ from: z.string(), value: z.union([z.string(), z.number()]) }).passthrough() }).passthrough(),
  }).passthrough(),
  paymentRequirements: z.object({
    network: z.string(),
    payTo: z.string(),
    scheme: z.string().optional(),
    // v2 names it amount, v1 maxAmountRequired.
    amount: z.string().optional(),
    maxAmountRequired: z.string().optional(),
  }).passthrough(),
});

/** Lower-case `network:payTo` of every published agent, where network is its CAIP-2 id. */
function agentPayees(): Set<string> {
  return new Set(listAgents().map((a) => `${NETWORKS[a.network].caip2}:${a.payTo.toLowerCase()}`));
}

const positive = (value: string | number | undefined) => {
  try {
    return value !== undefined && BigInt(value) > 0n;
  } catch {
    return false;
  }
};

/**
 * A facilitator API key's reach (lib/x402/facilitator/keys.ts): the payees it settles for, which replace this
 * app's agents, and the networks it may use (null: all). Only `exact` payments: the tab scheme has our key sign
 * as a channel's receiver authorizer, which only our own agents' channels may ask of it.
 */
export interface KeyScope {
  /** Lower-case 0x addresses. */
  payees: ReadonlySet<string>;
  networks: readonly string[] | null;
}

export function guardFacilitatorRequest(body: unknown, operation: "verify" | "settle", scope?: KeyScope): GuardRefusal | null {
  const parsed = GuardedRequestSchema.safeParse(body);
  if (!parsed.success) {
    return { status: 400, code: "invalid_request", message: "This facilitator takes EIP-3009 authorizations: paymentPayload.payload.authorization and paymentRequirements.payTo are required." };
  }
  const { paymentPayload, paymentRequirements: requirements } = parsed.data;
  const authorization = paymentPayload.payload.authorization;
  if (!positive(requirements.amount ?? requirements.maxAmountRequired) || !positive(authorization.value)) {
    return { status: 400, code: "zero_amount", message: "A payment of zero moves nothing: this facilitator settles only positive amounts." };
  }
  const network = networkByX402Id(requirements.network);
  if (scope) {
    const refusal = keyRefusal(scope, requirements, network?.caip2);
    if (refusal) return refusal;
  } else if (!network || !agentPayees().has(`${network.caip2}:${requirements.payTo.toLowerCase()}`)) {
    return {
      status: 403,
      code: "payee_not_served",
      message: `This facilitator serves payments to this app's agents only; ${requirements.payTo} on ${requirements.network} is not one of them.`,
    };
  }
  if (operation === "settle" && network) {
    const taken = settleLimiter.take(`${network.caip2}:${authorization.from.toLowerCase()}`);
    if (!taken.ok) {
      return {
        status: 429,
        code: "rate_limited",
        message: `Too many settlements for this payer: at most ${SETTLES_PER_PAYER} a minute. Try again in ${Math.ceil(taken.retryAfterMs / 1000)} s.`,
        retryAfterMs: taken.retryAfterMs,
      };
    }
  }
  return null;
}

function keyRefusal(scope: KeyScope, requirements: { scheme?: string; network: string; payTo: string }, caip2: string | undefined): GuardRefusal | null {
  if (requirements.scheme !== "exact") {
    return { status: 403, code: "scheme_not_served", message: `An API key serves exact payments only, not ${requirements.scheme ?? "this scheme"}.` };
  }
  if (!caip2 || (scope.networks && !scope.networks.includes(caip2))) {
    return { status: 403, code: "network_not_allowed", message: `This API key does not serve ${requirements.network}.` };
  }
  if (!scope.payees.has(requirements.payTo.toLowerCase())) {
    return {
      status: 403,
      code: "payee_not_served",
      message: `This API key settles payments to its owner's address only; ${requirements.payTo} is not it.`,
    };
  }
  return null;
}
