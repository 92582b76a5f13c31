/**
 * The browser's tab payer (x402 `batch-settlement`) over the SDK's client scheme. The wallet signs once, the
 * deposit (sized to about 20 messages at the agent's maximum, bounded by the spending policy); a session key
 * derived from the wallet (tab-session-key.ts) signs each message's voucher with no prompt.
 *
 * The seller is not trusted: every charge it reports (PAYMENT-RESPONSE of a JSON reply, or the stream's receipt)
 * is checked before the tab's state adopts it: the charge is at most the voucher's increment (the agent's maximum),
 * the charged total is the previous total plus the charge, and the channel is this one. A failed check stops the
 * tab for good (kept in storage): nothing more is signed for it, and the user is told (`tab_seller_misbehaved`);
 * closing it (a cooperative refund) or the wallet's timed withdrawal gets the rest back. A corrective 402 (the
 * seller's charged total differs from ours, e.g. after a stream whose receipt never arrived) is adopted only after
 * the SDK has checked that the seller's copy of our last voucher carries our session key's signature, so the seller
 * can never claim more than a voucher we signed.
 */
import { x402Client, x402HTTPClient } from "@x402/core/client";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_DOMAIN, toClientEvmSigner, voucherTypes, type ClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme, computeChannelId, type BatchSettlementDepositStrategyContext } from "@x402/evm/batch-settlement/client";
import { getAddress, isAddressEqual, recoverTypedDataAddress, type Address, type Hex } from "viem";
import type { Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import type { Receipt } from "@/lib/x402/shared/receipt";
import type { SpendPolicy, Spent } from "./policy";
import { PaymentStopped, readQuote, type ApprovalRequest } from "./paying-fetch";
import { deriveSessionKey } from "./tab-session-key";
import type { StoredTab, TabStorage } from "./tab-store";

export type TabStopReason = "not_payable" | "policy_refused" | "insufficient_funds" | "payment_rejected" | "tab_seller_misbehaved";

export class TabStopped extends Error {
  constructor(
    readonly reason: TabStopReason,
    message: string,
  ) {
    super(message);
    this.name = "TabStopped";
  }
}

/** The seller's answers a tab's voucher may be refused with and resynced from (the SDK's corrective errors). */
const CORRECTIVE = new Set(["invalid_batch_settlement_evm_cumulative_amount_mismatch", "invalid_batch_settlement_evm_cumulative_below_claimed"]);

/** How many messages at the agent's maximum a tab's deposit covers by default. */
export const DEFAULT_DEPOSIT_MESSAGES = 20;

/**
 * A tab's deposit: `messages` × the agent's maximum (or the user's own amount), bounded by what the session and
 * day budgets have left and by what the wallet holds; null when even `minimum` (what this message needs) does not
 * fit, with the limit that refused it.
 */
export function tabDeposit(input: {
  price: bigint;
  messages: number;
  chosen?: bigint;
  minimum: bigint;
  policy: SpendPolicy;
  spent: Spent;
  /** The wallet's USDC, when known. */
  held?: bigint;
}): { ok: true; amount: bigint } | { ok: false; limit: "budget" | "funds"; left: bigint } {
  const { policy, spent } = input;
  const left = (budget: bigint, used: bigint) => (budget > used ? budget - used : 0n);
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  const budget = min(left(policy.sessionBudget, spent.session), left(policy.dailyBudget, spent.today));
  if (budget < input.minimum) return { ok: false, limit: "budget", left: budget };
  if (input.held !== undefined && input.held < input.minimum) return { ok: false, limit: "funds", left: input.held };
  const wanted = input.chosen ?? input.price * BigInt(input.messages);
  const amount = min(min(wanted, budget), input.held ?? wanted);
  return { ok: true, amount: amount < input.minimum ? input.minimum : amount };
}

/** What one paid message's voucher authorized: the seller's answer about it is checked against this. */
export interface VoucherSent {
  channelId: string;
  /** The charged total the voucher builds on (its maximum less the increment). */
  base: bigint;
  /** The most this message may be charged: the voucher's increment, the agent's maximum. */
  increment: bigint;
  /** Set when this message carried a deposit. */
  deposit?: bigint;
}

/** What a seller says it charged: PAYMENT-RESPONSE's extra, or the receipt's tab part. */
export interface SellerCharge {
  channelId?: string;
  chargedAmount?: unknown;
  chargedCumulativeAmount?: unknown;
}

const isAtomic = (value: unknown): value is string => typeof value === "string" && /^\d{1,78}$/.test(value);

/** The spec's checks of a seller's answer to one voucher; the new charged total when they pass. */
export function checkSellerCharge(sent: VoucherSent, answer: SellerCharge): { ok: true; charged: bigint; cumulative: bigint } | { ok: false; why: string } {
  if (answer.channelId !== undefined && answer.channelId.toLowerCase() !== sent.channelId.toLowerCase()) {
    return { ok: false, why: `it reported the charge on another tab (${answer.channelId})` };
  }
  if (!isAtomic(answer.chargedAmount)) return { ok: false, why: "its charge is not an amount" };
  const charged = BigInt(answer.chargedAmount);
  if (charged > sent.increment) return { ok: false, why: `it charged ${charged} for a message whose maximum is ${sent.increment}` };
  const cumulative = sent.base + charged;
  if (answer.chargedCumulativeAmount !== undefined) {
    if (!isAtomic(answer.chargedCumulativeAmount) || BigInt(answer.chargedCumulativeAmount) !== cumulative) {
      return { ok: false, why: `its charged total ${String(answer.chargedCumulativeAmount)} is not the previous ${sent.base} plus the charge ${charged}` };
    }
  }
  return { ok: true, charged, cumulative };
}

/** A charge the tab adopted. Amounts are atomic units. */
export interface TabCharge {
  channelId: string;
  charged: bigint;
  /** The voucher's increment: the most this message could be charged. */
  maxAmount: bigint;
  chargedCumulative: bigint;
  balance: bigint;
  /** Set when this message carried the deposit (or a top-up). */
  deposit?: bigint;
  /** The wallet paying the tab (the channel's payer). */
  payer?: Address;
}

/**
 * The wallet of a tab: it signs (deposits, the session key's derivation) and reads the channel on chain, which the
 * SDK needs to find a tab this browser has no record of and to check a corrective 402 (an external wallet's signer
 * gets a chain reader added).
 */
export type TabWallet = ClientEvmSigner & Required<Pick<ClientEvmSigner, "readContract">>;

export interface TabClientOptions {
  network: Network;
  /** The wallet: signs the deposit and the session key's derivation; reads the channel on chain (`readContract`). */
  wallet: TabWallet;
  storage: TabStorage;
  policy(): { policy: SpendPolicy; spent: Spent };
  /** The wallet's USDC (atomic): a deposit is never more than it holds. */
  usdcBalance?(address: Address): Promise<bigint>;
  /** How many messages at the agent's maximum a deposit covers (default 20). */
  depositMessages?: number;
  /** The user's own deposit, if they changed the proposed one (still bounded by the policy). */
  depositAmount?(proposal: { price: bigint; proposed: bigint }): bigint | undefined;
  /**
   * Called with each charge once it passed the checks: what the chat shows and records (the seller's own receipt is
   * only a claim; this is what the tab adopted).
   */
  onCharge?(charge: TabCharge): void;
  /** Called with a deposit once signed, before it is sent (the budgets count it as a reservation). */
  onDeposit?(deposit: { channelId: string; amount: bigint }): void;
  /**
   * Called when the seller refused a deposit or answered its request with an error: the deposit was not taken, so
   * its reservation is released at once. (A request that never got an answer keeps it: its fate is unknown here.)
   */
  onDepositFailed?(deposit: { channelId: string; amount: bigint }): void;
  /**
   * Asks the user, as exact payments do (the approval dialog): a message whose maximum is over the per-message cap
   * is signed only if this resolves true. Without it such a message is refused.
   */
  approve?(request: ApprovalRequest): Promise<boolean>;
  baseFetch?: typeof fetch;
}

interface OpenScheme {
  scheme: BatchSettlementEvmScheme;
  client: x402HTTPClient;
  /** The session key's address: the channel's payerAuthorizer, which signed every voucher of this tab. */
  authorizer: Address;
}

export class TabClient {
  private readonly baseFetch: typeof fetch;
  private readonly schemes = new Map<string, Promise<OpenScheme>>();
  /** The last paid message whose charge the seller has not reported yet (a stream's receipt comes at its end). */
  private awaiting: VoucherSent | null = null;

  constructor(private readonly opts: TabClientOptions) {
    this.baseFetch = opts.baseFetch ?? ((input, init) => fetch(input, init));
  }

  /** Whether a 402's offers include a tab this client can pay (the agent's `batch-settlement` in this network's USDC). */
  tabOffer(required: PaymentRequired): PaymentRequirements | null {
    const { network } = this.opts;
    return (
      (required.accepts ?? []).find(
        (r) =>
          r.scheme === "batch-settlement" &&
          r.network === network.caip2 &&
          typeof r.asset === "string" &&
          isAddressEqual(r.asset as Address, network.usdc.address) &&
          isAtomic(r.amount) &&
          typeof r.extra?.receiverAuthorizer === "string",
      ) ?? null
    );
  }

  /** A paying fetch over the agent's tab: opens it on the first message, then pays each with a voucher. */
  readonly fetch: typeof fetch = async (input, init) => {
    const first = await this.baseFetch(input, init);
    if (first.status !== 402) return first;
    let required = await readPaymentRequired(first);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    for (let attempt = 1; ; attempt += 1) {
      const requirement = this.tabOffer(required);
      if (!requirement) throw new TabStopped("not_payable", "This agent offers no tab in USDC on this network.");
      const price = BigInt(requirement.amount);
      const { policy } = this.opts.policy();
      // The cap applies to the voucher's maximum; over it the user decides, as for an exact payment.
      if (price > policy.maxPerMessage) {
        const verdict = { ok: false as const, rule: "per-message" as const, limit: policy.maxPerMessage, wouldSpend: price };
        const allowed = (await this.opts.approve?.({ kind: "over-policy", amount: price, payTo: getAddress(requirement.payTo), verdict })) ?? false;
        if (!allowed) {
          throw new TabStopped("policy_refused", `A message may cost up to ${this.usdc(price)}, over your per-message limit of ${this.usdc(policy.maxPerMessage)}; nothing was signed.`);
        }
      }
      // A receiver that cheated on a tab of this wallet is refused before the wallet is asked for anything.
      this.refuseIfStopped(
        (t) => t.config !== undefined && isAddressEqual(t.config.payer, this.opts.wallet.address) && isAddressEqual(t.config.receiver, requirement.payTo as Address),
      );
      const open = await this.schemeFor(requirement);
      const channelId = computeChannelId(open.scheme.buildChannelConfig(requirement), requirement.network).toLowerCase();
      this.refuseIfStopped((t) => t.channelId === channelId);

      const payload = await open.client.createPaymentPayload({ ...required, accepts: [requirement] });
      const sent = voucherSent(payload, price);
      const deposit = sent.deposit !== undefined ? { channelId, amount: sent.deposit } : null;
      if (deposit) this.opts.onDeposit?.(deposit);
      const res = await this.baseFetch(input, { ...init, headers: { ...headersOf(init), ...open.client.encodePaymentSignatureHeader(payload) } });
      // Refused or failed: the seller did not take the deposit, its reservation goes back to the budgets.
      if (deposit && (res.status === 402 || !res.ok)) this.opts.onDepositFailed?.(deposit);

      if (res.status === 402) {
        const refusal = decodeRequired(res);
        // The seller's charged total differs from ours: adopt its state only if it holds our own signed voucher.
        if (refusal && attempt === 1 && CORRECTIVE.has(refusal.error ?? "")) {
          const forged = await forgedCorrective(refusal, channelId, open.authorizer);
          if (forged) this.stop(channelId, forged);
          if (await open.scheme.processCorrectivePaymentRequired(refusal)) {
            this.awaiting = null;
            required = refusal;
            continue;
          }
        }
        throw new TabStopped("payment_rejected", `The agent refused the tab's payment: ${refusal?.error ?? `HTTP ${res.status}`}. Nothing was charged.`);
      }
      if (!res.ok) return res; // e.g. 409 tab_busy: the voucher was not used, the tab's state stands
      this.opts.storage.annotate(channelId, { url, receiver: getAddress(requirement.payTo), config: open.scheme.buildChannelConfig(requirement) });
      const header = res.headers.get("PAYMENT-RESPONSE");
      if (header) {
        const settle = decodePaymentResponseHeader(header);
        const state = settle.extra?.channelState as { chargedCumulativeAmount?: unknown } | undefined;
        await this.adopt(sent, { chargedAmount: settle.extra?.chargedAmount, chargedCumulativeAmount: state?.chargedCumulativeAmount });
      } else {
        this.awaiting = sent; // a stream: its receipt says the charge (settled())
      }
      return res;
    }
  };

  /**
   * Takes a streamed reply's charge from its receipt (the `data-receipt` part's `tab`), after the same checks as a
   * PAYMENT-RESPONSE. A receipt without a tab, or for no message awaiting one, changes nothing.
   */
  async settled(receipt: Receipt | null): Promise<void> {
    const sent = this.awaiting;
    if (!sent || !receipt) return;
    if (!receipt.success || !receipt.tab) {
      // Not charged (a failed settlement): the next voucher meets the seller's state by a corrective 402.
      this.awaiting = null;
      return;
    }
    await this.adopt(sent, receipt.tab);
  }

  /**
   * Closes a tab: the cooperative refund of what was not charged, to the wallet, through the agent's route.
   * `headers` go with its requests (the chat's proxy header, for a pasted agent's tab reached through /api/proxy).
   */
  async close(url: string, headers: Record<string, string> = {}): Promise<{ refunded: bigint; transaction: string; channelId: string }> {
    const send: typeof fetch = (input, init) => this.baseFetch(input, { ...init, headers: { ...headersOf(init), ...headers } });
    const probe = await send(url, { method: "GET" });
    const required = probe.status === 402 ? decodeRequired(probe) : null;
    const requirement = required && this.tabOffer(required);
    if (!requirement) throw new TabStopped("not_payable", "This agent offers no tab to close on this network.");
    const { scheme } = await this.schemeFor(requirement);
    this.awaiting = null;
    const channelId = computeChannelId(scheme.buildChannelConfig(requirement), requirement.network).toLowerCase();
    const result = await scheme.refund(url, { fetch: send });
    if (!result.success) throw new TabStopped("payment_rejected", `The refund failed: ${result.errorReason ?? "unknown"}.`);
    return { refunded: BigInt(result.amount ?? "0"), transaction: result.transaction, channelId };
  }

  private async adopt(sent: VoucherSent, answer: SellerCharge): Promise<void> {
    this.awaiting = null;
    const verdict = checkSellerCharge(sent, answer);
    if (!verdict.ok) this.stop(sent.channelId, verdict.why);
    const current = (await this.opts.storage.get(sent.channelId)) ?? {};
    const balance = BigInt(current.balance ?? "0") + (sent.deposit ?? 0n);
    await this.opts.storage.set(sent.channelId, { ...current, chargedCumulativeAmount: verdict.cumulative.toString(), balance: balance.toString() });
    this.opts.onCharge?.({
      channelId: sent.channelId,
      charged: verdict.charged,
      maxAmount: sent.increment,
      chargedCumulative: verdict.cumulative,
      balance,
      payer: this.opts.wallet.address,
      ...(sent.deposit !== undefined && { deposit: sent.deposit }),
    });
  }

  /** Stops a tab for good: the seller failed a check. */
  private stop(channelId: string, why: string): never {
    const message = `The agent misreported this tab's charge (${why}). The tab is stopped: nothing more will be signed for it; close it to get the rest back.`;
    this.opts.storage.annotate(channelId, { stopped: { code: "tab_seller_misbehaved", message } });
    throw new TabStopped("tab_seller_misbehaved", message);
  }

  private refuseIfStopped(which: (tab: StoredTab) => boolean): void {
    const stopped = this.opts.storage.all().find((t) => t.stopped && which(t))?.stopped;
    if (stopped) throw new TabStopped("tab_seller_misbehaved", stopped.message);
  }

  /** The SDK scheme of one receiver's tab: its session key is derived once (one wallet signature at most). */
  private schemeFor(requirement: PaymentRequirements): Promise<OpenScheme> {
    const receiver = getAddress(requirement.payTo);
    let open = this.schemes.get(receiver);
    if (!open) {
      open = this.openScheme(requirement);
      open.catch(() => this.schemes.delete(receiver));
      this.schemes.set(receiver, open);
    }
    return open;
  }

  private async openScheme(requirement: PaymentRequirements): Promise<OpenScheme> {
    const { wallet, network, storage } = this.opts;
    const session = await deriveSessionKey(wallet, { payer: wallet.address, receiver: getAddress(requirement.payTo), token: getAddress(requirement.asset), network: network.caip2 });
    const scheme = new BatchSettlementEvmScheme(wallet, {
      storage,
      voucherSigner: toClientEvmSigner(session),
      payerAuthorizer: session.address,
      depositStrategy: (ctx) => this.sizeDeposit(ctx),
    });
    const client = new x402HTTPClient(
      x402Client.fromConfig({
        schemes: [{ network: network.caip2, client: scheme }],
        spendControls: { allowedAssets: [{ network: network.caip2, asset: network.usdc.address }] },
      }),
    );
    return { scheme, client, authorizer: session.address };
  }

  private async sizeDeposit(ctx: BatchSettlementDepositStrategyContext): Promise<bigint> {
    const price = BigInt(ctx.requestAmount);
    const minimum = BigInt(ctx.minimumDepositAmount);
    const messages = this.opts.depositMessages ?? DEFAULT_DEPOSIT_MESSAGES;
    const chosen = this.opts.depositAmount?.({ price, proposed: price * BigInt(messages) });
    const held = await this.opts.usdcBalance?.(this.opts.wallet.address);
    const deposit = tabDeposit({ price, messages, chosen, minimum, held, ...this.opts.policy() });
    if (deposit.ok) return deposit.amount;
    if (deposit.limit === "funds") {
      throw new TabStopped("insufficient_funds", `This tab needs a deposit of at least ${this.usdc(minimum)} and your wallet holds ${this.usdc(deposit.left)}. Add funds to continue.`);
    }
    throw new TabStopped("policy_refused", `This tab needs a deposit of at least ${this.usdc(minimum)}, more than your budgets have left (${this.usdc(deposit.left)}); nothing was signed.`);
  }

  private usdc(atomic: bigint): string {
    return formatUsdc(atomic, this.opts.network.usdc.decimals);
  }
}

/**
 * The tab this payer holds with this receiver that was stopped for a misbehaving seller and still holds its
 * deposit (not yet closed or withdrawn): until it is, nothing more is signed for that receiver, by tab or by exact.
 */
export function stoppedTabWith(tabs: StoredTab[], payer: Address, receiver: Address): StoredTab | undefined {
  return tabs.find(
    (t) =>
      t.stopped !== undefined &&
      t.context !== undefined &&
      t.config !== undefined &&
      isAddressEqual(t.config.payer, payer) &&
      isAddressEqual(t.config.receiver, receiver),
  );
}

/**
 * A fetch for the `exact` payer (paying-fetch's baseFetch) that refuses, before anything is signed, a quote whose
 * receiver has a stopped tab of this payer (stoppedTabWith): a seller caught cheating on a tab must not be paid
 * another way instead. The quote's request itself goes out unpaid; its 402 is read from a copy.
 */
export function refuseStoppedReceivers(baseFetch: typeof fetch, opts: { tabs(): StoredTab[]; payer(): Address | null }): typeof fetch {
  return async (input, init) => {
    const res = await baseFetch(input, init);
    if (res.status !== 402) return res;
    const payer = opts.payer();
    if (!payer) return res;
    const quote = await readQuote(res.clone());
    const tabs = opts.tabs();
    for (const offer of quote?.accepts ?? []) {
      if (typeof offer.payTo !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(offer.payTo)) continue;
      const stopped = stoppedTabWith(tabs, payer, offer.payTo as Address);
      if (stopped) throw new PaymentStopped("payment_rejected", stopped.stopped!.message);
    }
    return res;
  };
}

/** What the payload the SDK just signed authorizes: its channel, the voucher's base and increment, its deposit. */
function voucherSent(payload: PaymentPayload, price: bigint): VoucherSent {
  const p = payload.payload as { voucher?: { channelId?: string; maxClaimableAmount?: string }; deposit?: { amount?: string } };
  const max = p.voucher?.maxClaimableAmount;
  if (!p.voucher?.channelId || !isAtomic(max)) throw new TabStopped("not_payable", "The tab client signed no voucher; nothing was sent.");
  return {
    channelId: p.voucher.channelId.toLowerCase(),
    base: BigInt(max) - price,
    increment: price,
    ...(p.deposit?.amount !== undefined && { deposit: BigInt(p.deposit.amount) }),
  };
}

/**
 * Why a corrective 402 is a lie, if it is one: the state it asks us to adopt is not backed by a voucher our session
 * key signed for this channel (another signer or channel), or charges more than that voucher allows. The SDK makes
 * the same signature check before adopting; this one tells a cheat apart from a refusal to retry.
 */
async function forgedCorrective(refusal: PaymentRequired, channelId: string, authorizer: Address): Promise<string | null> {
  const offer = refusal.accepts.find((a) => a.scheme === "batch-settlement");
  const channel = offer?.extra?.channelState as { channelId?: unknown; chargedCumulativeAmount?: unknown } | undefined;
  const voucher = offer?.extra?.voucherState as { signedMaxClaimable?: unknown; signature?: unknown } | undefined;
  if (typeof channel?.channelId === "string" && channel.channelId.toLowerCase() !== channelId) return `its state is of another tab (${channel.channelId})`;
  if (!isAtomic(channel?.chargedCumulativeAmount) || !isAtomic(voucher?.signedMaxClaimable) || typeof voucher.signature !== "string") return null;
  if (BigInt(channel.chargedCumulativeAmount) > BigInt(voucher.signedMaxClaimable)) {
    return `its charged total ${channel.chargedCumulativeAmount} is above the voucher it holds (${voucher.signedMaxClaimable})`;
  }
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({
      domain: { ...BATCH_SETTLEMENT_DOMAIN, chainId: Number(offer!.network.split(":")[1]), verifyingContract: getAddress(BATCH_SETTLEMENT_ADDRESS) },
      types: voucherTypes,
      primaryType: "Voucher",
      message: { channelId: channelId as Hex, maxClaimableAmount: BigInt(voucher.signedMaxClaimable) },
      signature: voucher.signature as Hex,
    });
  } catch {
    return "the voucher it holds has no readable signature";
  }
  return isAddressEqual(signer, authorizer) ? null : "the voucher it holds was not signed by this tab's key";
}

async function readPaymentRequired(res: Response): Promise<PaymentRequired> {
  const quote = await readQuote(res);
  if (!quote) throw new TabStopped("not_payable", "The agent answered 402 without a quote this app can read; nothing was paid.");
  return quote;
}

function decodeRequired(res: Response): PaymentRequired | null {
  const header = res.headers.get("PAYMENT-REQUIRED");
  try {
    return header ? decodePaymentRequiredHeader(header) : null;
  } catch {
    return null;
  }
}

function headersOf(init?: RequestInit): Record<string, string> {
  return Object.fromEntries(new Headers(init?.headers).entries());
}
