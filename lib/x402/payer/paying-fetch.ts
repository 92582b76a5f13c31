/**
 * The browser's paying fetch: on a 402 it reads the quote, checks it against
 * what the user was shown and against their spending policy (asking them when
 * either differs), checks the balance, signs with the official x402 client and
 * retries once. Anything it will not pay stops with a PaymentStopped that says
 * why; nothing is signed before every check has passed.
 */
import { x402Client, x402HTTPClient } from "@x402/core/client";
import { PaymentRequirementsSchema } from "@x402/core/schemas";
import type { PaymentRequired, PaymentRequirements } from "@x402/core/types";
import type { ClientEvmSigner } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { ExactEvmSchemeV1 } from "@x402/evm/exact/v1/client";
import { isAddressEqual, type Address } from "viem";
import type { Caip2, Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import type { SignedAuthorization } from "@/lib/x402/shared/receipt";
import { checkPolicy, type PolicyVerdict, type SpendPolicy, type Spent } from "./policy";

/** The price the user saw before sending: the agent's quote from the catalog or the probe. */
export interface ShownPrice {
  network: Caip2;
  asset: Address;
  payTo: Address;
  /** USDC atomic units. */
  amount: bigint;
}

export type PaymentStopReason =
  | "wallet_locked"
  | "wallet_refused"
  | "not_payable"
  | "quote_changed"
  | "policy_refused"
  | "insufficient_funds"
  | "insufficient_gas"
  | "payment_rejected";

export class PaymentStopped extends Error {
  constructor(
    readonly reason: PaymentStopReason,
    message: string,
  ) {
    super(message);
    this.name = "PaymentStopped";
  }
}

export type ApprovalRequest =
  | { kind: "over-policy"; amount: bigint; payTo: Address; verdict: Extract<PolicyVerdict, { ok: false }> }
  | { kind: "quote-changed"; amount: bigint; payTo: Address; shown: ShownPrice | null };

export interface PayingFetchOptions {
  network: Network;
  /** The signer for this network right now (the unlocked local key or a connected wallet), null if none. */
  signer(): ClientEvmSigner | null;
  shownPrice(): ShownPrice | null;
  policy(): { policy: SpendPolicy; spent: Spent };
  /** Asks the user; resolves true to pay anyway. */
  approve(request: ApprovalRequest): Promise<boolean>;
  usdcBalance(address: Address): Promise<bigint>;
  /** The chain's latest block number, read before signing: where a later search for the settlement starts. */
  chainHead?(): Promise<bigint>;
  /**
   * Called once the agent accepted the payment (its reply follows), with the authorization signed for it: the
   * only thing the chat trusts when it checks the agent's receipt on chain.
   */
  onPaid(payment: { amount: bigint; payTo: Address; payer: Address; authorization: SignedAuthorization }): void;
  /**
   * Called with the signed authorization before it is sent (the payment journal writes it down here, so a page
   * that dies mid-request can still account for it); a throw stops the payment before anything leaves.
   */
  onSigned?(authorization: SignedAuthorization): void;
  baseFetch?: typeof fetch;
}

export function createPayingFetch(opts: PayingFetchOptions): typeof fetch {
  const baseFetch = opts.baseFetch ?? ((input, init) => fetch(input, init));
  const usdc = (atomic: bigint) => formatUsdc(atomic, opts.network.usdc.decimals);
  return async (input, init) => {
    const first = await baseFetch(input, init);
    if (first.status !== 402) return first;

    const required = await readPaymentRequired(first);
    const { requirement, amount } = payableRequirement(required, opts.network);
    const payTo = requirement.payTo as Address;

    const shown = opts.shownPrice();
    if (!shown || !sameQuote(shown, requirement, amount, opts.network)) {
      const ok = await opts.approve({ kind: "quote-changed", amount, payTo, shown });
      if (!ok) throw new PaymentStopped("quote_changed", `The agent now asks ${usdc(amount)} to ${payTo}, not the price you were shown; nothing was paid.`);
    }
    const { policy, spent } = opts.policy();
    const verdict = checkPolicy(policy, spent, amount);
    if (!verdict.ok) {
      const ok = await opts.approve({ kind: "over-policy", amount, payTo, verdict });
      if (!ok) throw new PaymentStopped("policy_refused", `${usdc(amount)} is over your ${ruleName(verdict.rule)} limit of ${usdc(verdict.limit)}; nothing was paid.`);
    }

    const signer = opts.signer();
    if (!signer) throw new PaymentStopped("wallet_locked", "Unlock your wallet (or connect one) to pay this agent.");
    const [balance, head] = await Promise.all([opts.usdcBalance(signer.address), readHead(opts)]);
    if (balance < amount) {
      throw new PaymentStopped("insufficient_funds", `This message costs ${usdc(amount)} and your wallet holds ${usdc(balance)}. Add funds to continue.`);
    }

    const client = new x402HTTPClient(signingClient(signer, opts.network, requirement, amount));
    const payload = await client.createPaymentPayload({ ...required, accepts: [requirement] });
    const authorization = signedAuthorization(payload.payload, opts.network, requirement, head);
    try {
      opts.onSigned?.(authorization);
    } catch (err) {
      throw new PaymentStopped("not_payable", `Could not record the payment before sending it (${(err as Error).message}); nothing was sent.`);
    }
    const retry = await baseFetch(input, { ...init, headers: { ...headersOf(init), ...client.encodePaymentSignatureHeader(payload) } });
    if (retry.status === 402) {
      const why = await readErrorText(retry);
      throw new PaymentStopped("payment_rejected", `The agent rejected the payment: ${why}. Nothing was charged.`);
    }
    if (retry.ok) opts.onPaid({ amount, payTo, payer: signer.address, authorization });
    return retry;
  };
}

/** A 402's quote, from its PAYMENT-REQUIRED header or its v1 body; null when neither is one the SDK reads. */
export async function readQuote(res: Response): Promise<PaymentRequired | null> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  try {
    return new x402HTTPClient(new x402Client()).getPaymentRequiredResponse((name) => res.headers.get(name), body);
  } catch {
    return null;
  }
}

async function readPaymentRequired(res: Response): Promise<PaymentRequired> {
  const quote = await readQuote(res);
  if (!quote) {
    throw new PaymentStopped("not_payable", "The agent answered 402 without a quote this app can read; nothing was paid.");
  }
  return quote;
}

/** The x402 `exact` requirement in this network's USDC, and its price; anything else is refused before signing. */
function payableRequirement(required: PaymentRequired, network: Network): { requirement: PaymentRequirements; amount: bigint } {
  const accepts = Array.isArray(required.accepts) ? required.accepts : [];
  const match = accepts.find(
    (r) =>
      priceOf(r) !== null &&
      r.scheme === "exact" &&
      // A v1 quote names Base networks by name ("base-sepolia"), v2 by CAIP-2.
      (r.network === network.caip2 || (r.network as string) === network.x402V1Name) &&
      typeof r.asset === "string" &&
      isAddressEqual(r.asset as Address, network.usdc.address) &&
      // Only an EIP-3009 authorization has a nonce the chat can later find on chain (not Permit2).
      (r.extra?.assetTransferMethod ?? "eip3009") === "eip3009",
  );
  if (!match) {
    const offered = accepts.map((r) => `${r.scheme} on ${r.network}`).join(", ") || "nothing";
    throw new PaymentStopped("not_payable", `The agent asks for ${offered}; this wallet pays x402 exact in USDC on ${network.name} only.`);
  }
  return { requirement: match, amount: priceOf(match)! };
}

/**
 * A requirement's price in atomic units, checked with the SDK's schema of either version (v2 calls it
 * `amount`, v1 `maxAmountRequired`; the SDK types both as v2); null for a malformed one.
 */
function priceOf(requirement: PaymentRequirements): bigint | null {
  const parsed = PaymentRequirementsSchema.safeParse(requirement);
  if (!parsed.success) return null;
  const atomic = "amount" in parsed.data ? parsed.data.amount : parsed.data.maxAmountRequired;
  return /^\d+$/.test(atomic) ? BigInt(atomic) : null;
}

function sameQuote(shown: ShownPrice, r: PaymentRequirements, amount: bigint, network: Network): boolean {
  return (
    shown.network === network.caip2 &&
    isAddressEqual(shown.asset, r.asset as Address) &&
    isAddressEqual(shown.payTo, r.payTo as Address) &&
    shown.amount === amount
  );
}

/** The official client, limited to this one requirement and amount: it cannot sign anything else. */
function signingClient(signer: ClientEvmSigner, network: Network, requirement: PaymentRequirements, amount: bigint): x402Client {
  const client = x402Client.fromConfig({
    schemes: [{ network: network.caip2, client: new ExactEvmScheme(signer) }],
    spendControls: {
      maxAmountPerPayment: false,
      allowedAssets: [{ network: network.caip2, asset: requirement.asset, maxAmountPerPayment: amount.toString() }],
    },
  });
  // x402 v1 names Base networks by name; the local chain has none.
  if (network.x402V1Name) client.registerV1(network.x402V1Name, new ExactEvmSchemeV1(signer));
  return client;
}

async function readHead(opts: PayingFetchOptions): Promise<bigint | undefined> {
  if (!opts.chainHead) return undefined;
  try {
    return await opts.chainHead();
  } catch (err) {
    throw new PaymentStopped("not_payable", `Could not read ${opts.network.name} (${(err as Error).message}); nothing was paid.`);
  }
}

/** The EIP-3009 authorization inside the payload the official client just signed. */
function signedAuthorization(payload: Record<string, unknown>, network: Network, requirement: PaymentRequirements, head: bigint | undefined): SignedAuthorization {
  const a = payload.authorization as Partial<Record<"from" | "to" | "value" | "validBefore" | "nonce", string>> | undefined;
  if (!a?.from || !a.to || !a.value || !a.validBefore || !a.nonce) {
    throw new PaymentStopped("not_payable", "The x402 client signed no EIP-3009 authorization for this quote; nothing was sent.");
  }
  return {
    chainId: network.chainId,
    asset: requirement.asset,
    payer: a.from,
    payTo: a.to,
    value: a.value,
    nonce: a.nonce,
    validBefore: a.validBefore,
    ...(head !== undefined && { fromBlock: head.toString() }),
  };
}

function headersOf(init?: RequestInit): Record<string, string> {
  return Object.fromEntries(new Headers(init?.headers).entries());
}

async function readErrorText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { message?: string; error?: string | { message?: string } };
    if (typeof body.message === "string") return body.message;
    if (typeof body.error === "string") return body.error;
    return body.error?.message ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

function ruleName(rule: "per-message" | "session" | "day"): string {
  return rule === "per-message" ? "per-message" : rule === "session" ? "session budget" : "daily budget";
}
