import { decodePaymentRequiredHeader } from "@x402/core/http";
import { isAddress, parseUnits } from "viem";
import { USDC_DECIMALS, networkByChainId, networkByX402Id, type Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";

/**
 * Reads the 402 answers found in the wild into one quote. Pure and
 * browser-safe: the probe route uses it, and so does the browser at send time.
 * It never throws: whatever it cannot read or pay is said in `reason`.
 */

export type QuoteDialect = "x402-v2" | "x402-v1" | "payment-object" | "payment-requirements" | "price-headers" | "none";

export interface NormalizedQuote {
  dialect: QuoteDialect;
  scheme: string | null;
  /** CAIP-2, e.g. "eip155:84532". */
  network: string | null;
  chainId: number | null;
  asset: string | null;
  amount: { atomic: string; display: string } | null;
  payTo: string | null;
  resource: string | null;
  description: string | null;
  maxTimeoutSeconds: number | null;
  /** The EIP-712 domain (name, version) the asset signs with. */
  extra: Record<string, unknown> | null;
  payable: boolean;
  /** Why it is not payable, or why there is no quote; null when payable. */
  reason: string | null;
  /** What a payer signs: the v2 PaymentRequired, or the chosen v1 accepts entry. */
  raw?: unknown;
  /** The toolkits the agent's discovery (`/.well-known/x402` of its origin) lists for this URL, set by the probe. */
  toolkits?: string[];
  /**
   * How a payable quote is paid: absent for x402 (a signed authorization); "transfer" for pay-then-prove
   * (Atelier's `payment_requirements`): a USDC transfer sent by the wallet (gas in ETH), then the request again
   * with its transaction hash in `X-PAYMENT` and the network in `X-Payment-Network`.
   */
  payBy?: "transfer";
  /**
   * The 402 also offers a tab (x402 `batch-settlement`) in the same asset, network and receiver as the payable
   * offer: the chat may propose opening one. The tab client reads its terms from the 402 itself at payment time.
   */
  tab?: boolean;
}

export interface QuoteResponse {
  status: number;
  headers: Record<string, string> | Headers;
  bodyText: string;
}

const EMPTY: Omit<NormalizedQuote, "dialect" | "reason"> = {
  scheme: null,
  network: null,
  chainId: null,
  asset: null,
  amount: null,
  payTo: null,
  resource: null,
  description: null,
  maxTimeoutSeconds: null,
  extra: null,
  payable: false,
};

const MAX_UINT256 = 2n ** 256n - 1n;

export function parseQuote(response: QuoteResponse, opts: { url?: string } = {}): NormalizedQuote {
  if (response.status !== 402) {
    return noQuote(`the URL answered ${response.status}, not 402: it is free or not an x402 agent`, opts.url);
  }
  const header = headerReader(response.headers);
  const fromJson = fromBody(parseJson(response.bodyText), opts.url);
  const paymentRequired = header("payment-required");
  if (paymentRequired !== null) {
    const decoded = decodeV2Header(paymentRequired);
    if (decoded.ok) return fromX402(decoded.value, "x402-v2", opts.url);
    // A broken header is only the answer when the body has nothing better.
    return fromJson.dialect !== "none" ? fromJson : { ...EMPTY, dialect: "x402-v2", resource: opts.url ?? null, reason: decoded.reason };
  }
  if (fromJson.dialect !== "none") return fromJson;
  if (header("x-price") !== null) return fromPriceHeaders(header, opts.url);
  return fromJson;
}

/** A quote that is not one: the reason says why. */
export function noQuote(reason: string, url?: string): NormalizedQuote {
  return { ...EMPTY, dialect: "none", resource: url ?? null, reason };
}

function headerReader(headers: Record<string, string> | Headers): (name: string) => string | null {
  if (typeof Headers !== "undefined" && headers instanceof Headers) return (name) => headers.get(name);
  const lower = new Map(Object.entries(headers as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => {
    const value = lower.get(name);
    return typeof value === "string" ? value : null;
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
const textOf = (v: unknown): string | null => str(v) ?? (typeof v === "number" && Number.isFinite(v) ? String(v) : null);
const positiveInt = (v: unknown): number | null => (typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : null);

// ---- x402 (v1 and v2) ----------------------------------------------------

function decodeV2Header(value: string): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  let decoded: unknown;
  try {
    decoded = decodePaymentRequiredHeader(value);
  } catch (err) {
    return { ok: false, reason: `the PAYMENT-REQUIRED header ${err instanceof SyntaxError ? "does not hold JSON" : "is not base64"}` };
  }
  return isRecord(decoded) ? { ok: true, value: decoded } : { ok: false, reason: "the PAYMENT-REQUIRED header is not a JSON object" };
}

const NO_QUOTE = "the URL answered 402 without a payment quote we can read";

function fromBody(body: unknown, url?: string): NormalizedQuote {
  if (!isRecord(body)) return noQuote(NO_QUOTE, url);
  if ("x402Version" in body && "accepts" in body) {
    return fromX402(body, body.x402Version === 2 ? "x402-v2" : "x402-v1", url);
  }
  if (isRecord(body.payment)) return fromPaymentObject(body.payment, url);
  const nested = [body.payment_requirements, body.paymentRequirements]
    .map((value) => (Array.isArray(value) ? value[0] : value))
    .find(isRecord);
  if (nested) return fromPaymentRequirements(nested, url);
  if ("payTo" in body && "maxAmountRequired" in body) return fromPaymentRequirements(body, url);
  return noQuote(NO_QUOTE, url);
}

/** Attacker-chosen values go into reasons: keep them short. */
const clip = (text: string): string => (text.length > 60 ? `${text.slice(0, 57)}...` : text);
const shown = (value: unknown): string => clip(JSON.stringify(value) ?? "(missing)");

/** A v2 PaymentRequired or a v1 body: picks the first offer we can pay, else reports the first. */
function fromX402(body: Record<string, unknown>, dialect: "x402-v1" | "x402-v2", url?: string): NormalizedQuote {
  const version = dialect === "x402-v2" ? 2 : 1;
  if (body.x402Version !== version) {
    return { ...EMPTY, dialect, resource: url ?? null, reason: `x402Version ${shown(body.x402Version)} is not one we speak (1 or 2)` };
  }
  if (!Array.isArray(body.accepts) || body.accepts.length === 0) {
    return { ...EMPTY, dialect, resource: url ?? null, reason: "the 402 offers no way to pay (accepts is missing or empty)" };
  }
  const resource = isRecord(body.resource) ? body.resource : {};
  const offers = body.accepts.map((entry) => {
    const quote = fromAccept(entry, dialect, url);
    if (dialect === "x402-v2") {
      quote.resource = str(resource.url) ?? quote.resource;
      quote.description = str(resource.description) ?? quote.description;
      quote.raw = body;
    }
    return quote;
  });
  const chosen = offers.find((offer) => offer.payable) ?? offers[0]!;
  const same = (a: string | null, b: string | null) => a !== null && b !== null && a.toLowerCase() === b.toLowerCase();
  const tab = chosen.payable && offers.some((o) => o.scheme === "batch-settlement" && o.network === chosen.network && same(o.asset, chosen.asset) && same(o.payTo, chosen.payTo));
  return tab ? { ...chosen, tab } : chosen;
}

function fromAccept(entry: unknown, dialect: "x402-v1" | "x402-v2", url?: string): NormalizedQuote {
  if (!isRecord(entry)) {
    return { ...EMPTY, dialect, resource: url ?? null, reason: "the payment offer is not an object" };
  }
  const scheme = str(entry.scheme);
  const networkId = str(entry.network);
  const known = networkId ? networkByX402Id(networkId) : undefined;
  const asset = str(entry.asset);
  const payTo = str(entry.payTo);
  const amountField = dialect === "x402-v2" ? "amount" : "maxAmountRequired";
  const atomic = atomicAmount(entry[amountField]);
  const quote: NormalizedQuote = {
    dialect,
    scheme,
    network: known?.caip2 ?? caip2Of(networkId),
    chainId: known?.chainId ?? chainIdOf(networkId),
    asset,
    amount: atomic === null ? null : { atomic: atomic.toString(), display: displayAmount(atomic, asset, known) },
    payTo,
    resource: str(entry.resource) ?? url ?? null,
    description: str(entry.description),
    maxTimeoutSeconds: positiveInt(entry.maxTimeoutSeconds),
    extra: isRecord(entry.extra) ? entry.extra : null,
    payable: false,
    reason: null,
    raw: entry,
  };
  quote.reason = whyNotPayable(quote, networkId, known, entry[amountField], amountField);
  quote.payable = quote.reason === null;
  return quote;
}

function whyNotPayable(
  quote: NormalizedQuote,
  networkId: string | null,
  network: Network | undefined,
  rawAmount: unknown,
  amountField: string,
): string | null {
  if (quote.scheme !== "exact") return quote.scheme ? `scheme ${clip(quote.scheme)} is not supported (only exact)` : "the offer names no scheme";
  if (!networkId) return "the offer names no network";
  if (!network) return `network ${clip(networkId)} is not one we have a wallet for`;
  if (!quote.asset) return "the offer names no asset";
  if (quote.asset.toLowerCase() !== network.usdc.address.toLowerCase()) return `asset ${clip(quote.asset)} is not USDC on ${network.name}`;
  if (!quote.amount) return `${amountField} ${shown(rawAmount)} is not a whole number of atomic units`;
  if (quote.amount.atomic === "0") return `${amountField} is zero`;
  if (!quote.payTo || !isAddress(quote.payTo, { strict: false })) return `payTo ${shown(quote.payTo)} is not an address`;
  return null;
}

/** A non-negative integer up to 2^256-1, as a string of digits (or a safe integer number). */
function atomicAmount(value: unknown): bigint | null {
  const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : typeof value === "string" ? value.trim() : null;
  if (text === null || !/^\d{1,78}$/.test(text)) return null;
  const amount = BigInt(text);
  return amount <= MAX_UINT256 ? amount : null;
}

function displayAmount(atomic: bigint, asset: string | null, network: Network | undefined): string {
  if (network && asset?.toLowerCase() === network.usdc.address.toLowerCase()) {
    return formatUsdc(atomic, network.usdc.decimals);
  }
  return `${atomic} atomic units of ${asset ?? "an unnamed asset"}`;
}

// ---- networks named in the wild ---------------------------------------------

/** "base-sepolia", "Base Sepolia", "eip155:8453", "solana:…": a CAIP-2 id where one can be told. */
function caip2Of(name: string | null): string | null {
  if (!name) return null;
  const known = knownNetwork(name);
  if (known) return known.caip2;
  return /^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,64}$/.test(name) ? name : null;
}

function chainIdOf(name: string | null): number | null {
  const match = name ? /^eip155:(\d{1,15})$/.exec(name) : null;
  return match ? Number(match[1]) : (name ? knownNetwork(name)?.chainId ?? null : null);
}

/** Names other systems give our networks (Atelier says "base-mainnet"). */
const NETWORK_ALIASES: Record<string, string> = { "base-mainnet": "base" };

function knownNetwork(name: string): Network | undefined {
  const spelled = name.trim().toLowerCase().replace(/[\s_]+/g, "-");
  const normalized = NETWORK_ALIASES[spelled] ?? spelled;
  const chainId = /^\d{1,15}$/.test(normalized) ? Number(normalized) : null;
  return networkByX402Id(normalized) ?? (chainId !== null ? networkByChainId(chainId) : undefined);
}

// ---- shapes that are not x402 --------------------------------------------

const BY_HAND = "pay it by hand";

/** `{error, payment: {amount, currency, network, receiver}}`: amount is a decimal in `currency`. */
function fromPaymentObject(payment: Record<string, unknown>, url?: string): NormalizedQuote {
  return decimalQuote(
    "payment-object",
    { amount: textOf(payment.amount), currency: str(payment.currency), network: str(payment.network), payTo: str(payment.receiver) },
    `not x402: a payment object, ${BY_HAND}`,
    url,
  );
}

/** `X-Price`, `X-Currency`, `X-Network`, `X-Recipient`. */
function fromPriceHeaders(header: (name: string) => string | null, url?: string): NormalizedQuote {
  return decimalQuote(
    "price-headers",
    { amount: header("x-price"), currency: header("x-currency"), network: header("x-network"), payTo: header("x-recipient") },
    `not x402: price headers, ${BY_HAND}`,
    url,
  );
}

function decimalQuote(
  dialect: "payment-object" | "price-headers",
  fields: { amount: string | null; currency: string | null; network: string | null; payTo: string | null },
  reason: string,
  url?: string,
): NormalizedQuote {
  const known = fields.network ? knownNetwork(fields.network) : undefined;
  const currency = fields.currency?.toUpperCase() ?? "USDC";
  const isUsdc = currency === "USDC" || currency === "USD";
  // "$0.05" and "0.05 USDC" are both seen; anything else is not an amount we can state.
  const decimal = fields.amount?.replace(/^\$/, "").replace(/\s*usdc?$/i, "").trim() ?? null;
  const decimals = known?.usdc.decimals ?? USDC_DECIMALS;
  const atomic = isUsdc && decimal && /^\d{1,30}(\.\d{1,6})?$/.test(decimal) ? parseUnits(decimal, decimals) : null;
  return {
    ...EMPTY,
    dialect,
    network: known?.caip2 ?? caip2Of(fields.network),
    chainId: known?.chainId ?? chainIdOf(fields.network),
    asset: isUsdc ? (known?.usdc.address ?? null) : fields.currency && isAddress(fields.currency, { strict: false }) ? fields.currency : null,
    amount: atomic === null ? null : { atomic: atomic.toString(), display: formatUsdc(atomic, decimals) },
    payTo: fields.payTo,
    resource: url ?? null,
    reason: atomic === null ? `${reason} (its price ${shown(fields.amount)} ${clip(currency)} is not one we can read)` : reason,
  };
}

/**
 * A `payment_requirements`-style object (Atelier's 402, bare or nested): x402-like fields, atomic
 * `maxAmountRequired`, `asset` an address or `{currency, address}`, networks by name ("base-mainnet",
 * "base-sepolia", "solana-mainnet") or CAIP-2. No x402 envelope: it is paid by a plain USDC transfer, then proven
 * with the transaction hash (payBy "transfer").
 */
function fromPaymentRequirements(req: Record<string, unknown>, url?: string): NormalizedQuote {
  const networkId = str(req.network);
  const known = networkId ? knownNetwork(networkId) : undefined;
  const assetObject = isRecord(req.asset) ? req.asset : null;
  const currency = assetObject ? str(assetObject.currency) : null;
  const asset = (assetObject ? str(assetObject.address) : str(req.asset)) ?? (currency === null || /^usdc?$/i.test(currency) ? known?.usdc.address ?? null : null);
  const atomic = atomicAmount(req.maxAmountRequired);
  const quote: NormalizedQuote = {
    ...EMPTY,
    dialect: "payment-requirements",
    scheme: str(req.scheme),
    network: known?.caip2 ?? caip2Of(networkId),
    chainId: known?.chainId ?? chainIdOf(networkId),
    asset,
    amount: atomic === null ? null : { atomic: atomic.toString(), display: displayAmount(atomic, asset, known) },
    payTo: str(req.payTo),
    resource: str(req.resource) ?? url ?? null,
    description: str(req.description),
    maxTimeoutSeconds: positiveInt(req.maxTimeoutSeconds),
    extra: isRecord(req.extra) ? req.extra : null,
    reason: null,
    raw: req,
  };
  if (networkId && /^solana/i.test(networkId)) {
    quote.reason = `Solana is not supported yet: this agent asks to be paid on ${clip(networkId)}, and this wallet pays in USDC on Base and the local chain only`;
  } else if (quote.scheme !== null && quote.scheme !== "exact") {
    quote.reason = `scheme ${clip(quote.scheme)} is not supported (only exact)`;
  } else {
    quote.reason = whyNotPayable({ ...quote, scheme: "exact" }, networkId, known, req.maxAmountRequired, "maxAmountRequired");
  }
  quote.payable = quote.reason === null;
  if (quote.payable) quote.payBy = "transfer";
  return quote;
}
