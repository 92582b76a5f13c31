/**
 * What an agent's reply costs. Shared by the server (quotes, tab charges, discovery) and the browser (showing a
 * tab's terms), so it imports nothing server-only.
 *
 * An agent's `price` is the most one message can cost: `exact` always pays it, a tab (`batch-settlement`)
 * authorizes it per message and is charged the reply's actual cost within it. With token pricing
 * (`"pricing": {"inputPerMillion", "outputPerMillion", "minimum"}` in agents.config.json, USDC decimal strings) the
 * actual cost is the reply's tokens at those rates, at least `minimum`; without it, a tab is charged the price.
 */
import { parseUnits } from "viem";
import { z } from "zod";
import { USDC_DECIMALS } from "@/lib/chains/networks";

/** The payment schemes every agent's 402 offers, in that order (exact first: exact-only clients take the first). */
export const PAYMENT_SCHEMES = ["exact", "batch-settlement"] as const;
export type PaymentScheme = (typeof PAYMENT_SCHEMES)[number];

const USDC_AMOUNT = /^\d+(\.\d{1,6})?$/;
const usdcAmount = z.string().regex(USDC_AMOUNT, 'must be a USDC amount like "0.50" (at most 6 decimals)');

/**
 * A USDC decimal string in atomic units, or undefined when it is not one. Zod runs refinements even after a field
 * failed its own check, so they read amounts through this rather than parseUnits, which throws on "abc".
 */
export function usdcAtomicOrUndefined(value: string | undefined): bigint | undefined {
  return value !== undefined && USDC_AMOUNT.test(value) ? parseUnits(value, USDC_DECIMALS) : undefined;
}

/** Token pricing of an agent, validated by the agents registry as `pricing` of an agent. */
export const TokenPricingSchema = z
  .object({
    /** USDC per million input (prompt) tokens. */
    inputPerMillion: usdcAmount,
    /** USDC per million output (completion, reasoning included) tokens. */
    outputPerMillion: usdcAmount,
    /** USDC charged at least for a delivered reply; default 0. */
    minimum: usdcAmount.optional(),
  })
  // A misspelled field would otherwise be dropped silently and price the agent differently than meant.
  .strict()
  .refine(
    (p) => (usdcAtomicOrUndefined(p.inputPerMillion) ?? 1n) + (usdcAtomicOrUndefined(p.outputPerMillion) ?? 1n) > 0n,
    "inputPerMillion and outputPerMillion cannot both be 0 (leave pricing out for a flat price)",
  );
export type TokenPricing = z.infer<typeof TokenPricingSchema>;

/** What pricing needs of an agent (an AgentConfig is one). */
export interface PricedAgent {
  /** USDC, decimal: the per-message maximum. */
  price: string;
  pricing?: TokenPricing;
}

export interface ReplyUsage {
  inputTokens: number;
  outputTokens: number;
}

const atomic = (usdc: string) => parseUnits(usdc, USDC_DECIMALS);
const MILLION = 1_000_000n;

/**
 * The atomic USDC a tab is charged for one reply. `usage === null` means nothing was delivered: 0.
 * Flat agent: the price. Token-priced: max(minimum, ceil((input × inputPerMillion + output × outputPerMillion) / 10⁶))
 * with the rates in atomic units, capped at the price. Integer math only; the one division rounds UP to the atomic
 * unit, so a reply is never charged less than its tokens cost (at most 1 atomic unit, 0.000001 USDC, more).
 */
export function chargeForReply(agent: PricedAgent, usage: ReplyUsage | null): bigint {
  if (usage === null) return 0n;
  const max = atomic(agent.price);
  const { pricing } = agent;
  if (!pricing) return max;
  const cost =
    (tokenCount(usage.inputTokens, "inputTokens") * atomic(pricing.inputPerMillion) +
      tokenCount(usage.outputTokens, "outputTokens") * atomic(pricing.outputPerMillion) +
      MILLION -
      1n) /
    MILLION;
  const minimum = pricing.minimum ? atomic(pricing.minimum) : 0n;
  const charge = cost > minimum ? cost : minimum;
  return charge < max ? charge : max;
}

/** A token count as a bigint; a count that is not a whole number ≥ 0 is a bug upstream, not something to price. */
function tokenCount(value: number, name: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0, got ${value}`);
  return BigInt(value);
}

/** The schemes an agent's 402 offers, for the quote and for discovery alike. */
export function paymentSchemes(agent: PricedAgent): readonly PaymentScheme[] {
  void agent; // every agent offers both today; the agent is the parameter so a per-agent choice stays one place
  return PAYMENT_SCHEMES;
}

/** An agent's pricing as discovery (/api/agents, /.well-known/x402) publishes it. */
export interface PricingSummary {
  /** USDC, decimal: what `exact` pays, and the most a tab charges for one message. */
  maxPerMessage: string;
  /** Token rates a tab is charged by (USDC decimals); null: a tab is charged the whole maximum. */
  tokens: { inputPerMillion: string; outputPerMillion: string; minimum: string } | null;
  /** The same in words. */
  description: string;
}

export function pricingSummary(agent: PricedAgent): PricingSummary {
  const { pricing } = agent;
  return {
    maxPerMessage: agent.price,
    tokens: pricing
      ? { inputPerMillion: pricing.inputPerMillion, outputPerMillion: pricing.outputPerMillion, minimum: pricing.minimum ?? "0" }
      : null,
    description: describePricing(agent),
  };
}

/** For people: "2.50 USDC / M input tokens, 10.00 / M output, min 0.001, max 0.01", or "0.005 USDC per message". */
export function describePricing(agent: PricedAgent): string {
  const { pricing } = agent;
  if (!pricing) return `${agent.price} USDC per message`;
  const minimum = pricing.minimum && atomic(pricing.minimum) > 0n ? `, min ${pricing.minimum}` : "";
  return `${pricing.inputPerMillion} USDC / M input tokens, ${pricing.outputPerMillion} / M output${minimum}, max ${agent.price}`;
}
