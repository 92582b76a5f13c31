/**
 * The browser's paying fetch for pay-then-prove agents (Atelier's 402): on a 402 whose quote is paid by transfer it
 * checks the quote against what the user was shown and their spending policy (asking them when either differs),
 * checks the wallet holds the USDC and the ETH for gas, signs a plain USDC transfer to payTo, writes it in the
 * transfer journal, sends it, waits for its receipt, and then sends the same request again with the transaction
 * hash in `X-PAYMENT` and the network in `X-Payment-Network`. Nothing is signed before every check has passed; a
 * transfer sent but not yet proven stays in the journal, so it can be proven again after a reload (the seller
 * answers a hash it has not served yet).
 */
import { encodeFunctionData, erc20Abi, isAddressEqual, keccak256, type Address, type Hex, type LocalAccount, type PublicClient } from "viem";
import type { Network } from "@/lib/chains/networks";
import { explorerTxUrl } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { parseStoredList, type KeyValue } from "@/lib/browser/store";
import { parseQuote, type NormalizedQuote } from "@/lib/remote-agents/parse-quote";
import type { Receipt } from "@/lib/x402/shared/receipt";
import { PaymentStopped, type ApprovalRequest, type ShownPrice } from "./paying-fetch";
import { checkPolicy, type SpendPolicy, type Spent } from "./policy";

/** The USDC transfer to send: the wallet signs it, then it is journaled, then broadcast. */
export interface TransferRequest {
  to: Address;
  /** The token's `transfer(to, amount)` call. */
  data: Hex;
  token: Address;
  chainId: number;
}

export interface TransferWallet {
  address: Address;
  /** Signs the transaction (nonce, gas and fees filled in); nothing leaves the page. */
  signTransfer(request: TransferRequest): Promise<{ hash: Hex; serialized: Hex }>;
  /** Broadcasts a signed transaction. */
  send(serialized: Hex): Promise<void>;
}

export interface TransferChain {
  usdcBalance(address: Address): Promise<bigint>;
  ethBalance(address: Address): Promise<bigint>;
  /** What the transfer's gas costs at most now, in wei. */
  gasCost(from: Address, request: TransferRequest): Promise<bigint>;
  /** Waits for the transaction's receipt. */
  waitForReceipt(hash: Hex): Promise<{ status: "success" | "reverted" }>;
}

/** A transfer sent for one message and not yet proven to its agent. */
export interface TransferEntry {
  hash: Hex;
  chainId: number;
  /** The URL the proof goes to (the agent's pay URL, as the chat posts to it) and the body it was for. */
  url: string;
  /** The network name the agent's quote gave, sent back as X-Payment-Network. */
  networkName: string;
  payer: string;
  payTo: string;
  asset: string;
  amount: string;
  agentName: string;
  conversationId: string | null;
  messageId: string | null;
  time: string;
  /** Set once the transaction was mined: it paid (success) or it did not (reverted). */
  mined?: "success" | "reverted";
  /** The request's headers and body, so a page loaded later can send the proof again (transfer-recovery.ts). */
  request?: { headers: Record<string, string>; body: string };
}

export interface TransferPayingOptions {
  network: Network;
  /** The wallet that pays right now (the unlocked local key), null if none. */
  wallet(): TransferWallet | null;
  chain: TransferChain;
  shownPrice(): ShownPrice | null;
  policy(): { policy: SpendPolicy; spent: Spent };
  approve(request: ApprovalRequest): Promise<boolean>;
  /**
   * The signed transfer, before it is sent: write it down (the journal) so a page that dies mid-way can still
   * prove it; a throw stops the payment before anything leaves.
   */
  onSigned(entry: TransferEntry): void | Promise<void>;
  /** The transfer is mined and moved the money: count it as spent. */
  onTransferred(entry: TransferEntry): void;
  /** The agent answered the proof with its reply: the journal entry can close. */
  onProven(entry: TransferEntry): void;
  /** What the journal entry is for (the chat's conversation and message). */
  context?(): { agentName: string; conversationId: string | null; messageId: string | null };
  baseFetch?: typeof fetch;
}

/** The receipt the chat shows for a transfer: built from what this browser sent and saw mined, never the agent's word. */
export function transferReceipt(entry: TransferEntry, network: Network): Receipt {
  return {
    paymentId: entry.hash,
    success: true,
    transaction: entry.hash,
    network: network.caip2,
    chainId: network.chainId,
    payer: entry.payer,
    payTo: entry.payTo,
    asset: entry.asset,
    amount: entry.amount,
    amountDisplay: formatUsdc(BigInt(entry.amount), network.usdc.decimals),
    explorerUrl: explorerTxUrl(network, entry.hash),
  };
}

export function createTransferPayingFetch(opts: TransferPayingOptions): typeof fetch & { last(): TransferEntry | null } {
  const baseFetch = opts.baseFetch ?? ((input, init) => fetch(input, init));
  const { network } = opts;
  const usdc = (atomic: bigint) => formatUsdc(atomic, network.usdc.decimals);
  let last: TransferEntry | null = null;
  const payingFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    last = null;
    const first = await baseFetch(input, init);
    if (first.status !== 402) return first;

    const quote = parseQuote({ status: 402, headers: first.headers, bodyText: await first.text() });
    const { amount, payTo } = transferQuote(quote, network);

    const shown = opts.shownPrice();
    const same = shown && shown.network === network.caip2 && isAddressEqual(shown.asset, network.usdc.address) && isAddressEqual(shown.payTo, payTo) && shown.amount === amount;
    if (!same) {
      const ok = await opts.approve({ kind: "quote-changed", amount, payTo, shown });
      if (!ok) throw new PaymentStopped("quote_changed", `The agent now asks ${usdc(amount)} to ${payTo}, not the price you were shown; nothing was paid.`);
    }
    const { policy, spent } = opts.policy();
    const verdict = checkPolicy(policy, spent, amount);
    if (!verdict.ok) {
      const ok = await opts.approve({ kind: "over-policy", amount, payTo, verdict });
      if (!ok) throw new PaymentStopped("policy_refused", `${usdc(amount)} is over your ${verdict.rule === "per-message" ? "per-message" : verdict.rule === "session" ? "session budget" : "daily budget"} limit of ${usdc(verdict.limit)}; nothing was paid.`);
    }

    const wallet = opts.wallet();
    if (!wallet) throw new PaymentStopped("wallet_locked", "Unlock your local wallet to pay this agent: it is paid by a USDC transfer from it.");
    const request: TransferRequest = {
      to: network.usdc.address,
      token: network.usdc.address,
      chainId: network.chainId,
      data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [payTo, amount] }),
    };
    const [balance, eth, gas] = await Promise.all([
      opts.chain.usdcBalance(wallet.address),
      opts.chain.ethBalance(wallet.address),
      opts.chain.gasCost(wallet.address, request).catch((err: Error) => {
        throw new PaymentStopped("not_payable", `Could not price the transfer's gas on ${network.name} (${err.message}); nothing was paid.`);
      }),
    ]);
    if (balance < amount) {
      throw new PaymentStopped("insufficient_funds", `This message costs ${usdc(amount)} and your wallet holds ${usdc(balance)}. Add funds to continue.`);
    }
    if (eth < gas) {
      throw new PaymentStopped(
        "insufficient_gas",
        eth === 0n
          ? `This agent is paid on chain: ${usdc(amount)} + gas in ETH, and your wallet has no ETH on ${network.name} to pay the gas. Add some ETH to continue; nothing was paid.`
          : `This agent is paid on chain: ${usdc(amount)} + gas in ETH, and your wallet's ETH does not cover the gas. Add some ETH to continue; nothing was paid.`,
      );
    }

    const signed = await wallet.signTransfer(request).catch((err: Error) => {
      throw new PaymentStopped("wallet_refused", `The transfer was not signed (${err.message}); nothing was paid.`);
    });
    const context = opts.context?.() ?? { agentName: "", conversationId: null, messageId: null };
    const entry: TransferEntry = {
      hash: signed.hash,
      chainId: network.chainId,
      url: typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
      networkName: typeof (quote.raw as { network?: unknown })?.network === "string" ? (quote.raw as { network: string }).network : network.caip2,
      payer: wallet.address,
      payTo,
      asset: network.usdc.address,
      amount: amount.toString(),
      ...context,
      time: new Date().toISOString(),
      ...(typeof init?.body === "string" && { request: { headers: Object.fromEntries(new Headers(init.headers).entries()), body: init.body } }),
    };
    try {
      await opts.onSigned(entry);
    } catch (err) {
      throw new PaymentStopped("not_payable", `Could not record the transfer before sending it (${(err as Error).message}); nothing was sent.`);
    }
    last = entry;
    await wallet.send(signed.serialized);
    const mined = await opts.chain.waitForReceipt(signed.hash);
    entry.mined = mined.status;
    if (mined.status !== "success") {
      throw new PaymentStopped("payment_rejected", `Your transfer ${signed.hash} reverted on ${network.name}: no USDC moved (its gas was spent).`);
    }
    opts.onTransferred(entry);
    const retry = await proveTransfer(baseFetch, entry, init);
    if (retry.status === 402) {
      const why = await errorText(retry);
      throw new PaymentStopped("payment_rejected", `The agent did not accept your transfer ${signed.hash}: ${why}. The transfer is on chain; it stays in your payments to prove again.`);
    }
    if (retry.ok) opts.onProven(entry);
    return retry;
  };
  return Object.assign(payingFetch, { last: () => last });
}

/** The same request again, with the transfer's hash as its proof. */
export function proveTransfer(baseFetch: typeof fetch, entry: TransferEntry, init?: RequestInit): Promise<Response> {
  const headers = { ...Object.fromEntries(new Headers(init?.headers).entries()), "X-PAYMENT": entry.hash, "X-Payment-Network": entry.networkName };
  return baseFetch(entry.url, { ...init, method: init?.method ?? "POST", headers });
}

/** The price and payee of a quote paid by transfer in this network's USDC; anything else stops before signing. */
function transferQuote(quote: NormalizedQuote, network: Network): { amount: bigint; payTo: Address } {
  if (!quote.payable) throw new PaymentStopped("not_payable", `This agent cannot be paid from this wallet: ${quote.reason ?? "no quote"}; nothing was paid.`);
  if (quote.payBy !== "transfer") throw new PaymentStopped("not_payable", "The agent now asks for an x402 payment, not a transfer; reload the agent to pay it.");
  if (quote.chainId !== network.chainId || !quote.asset || !isAddressEqual(quote.asset as Address, network.usdc.address)) {
    throw new PaymentStopped("not_payable", `The agent asks to be paid on ${quote.network ?? "another network"}; this wallet pays in USDC on ${network.name} here.`);
  }
  return { amount: BigInt(quote.amount!.atomic), payTo: quote.payTo as Address };
}

async function errorText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: string | { message?: string } };
    return typeof body.error === "string" ? body.error : body.error?.message ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

// ---- the transfer journal: transfers sent and not yet proven, per network (localStorage) ----

const journalKey = (chainId: number) => `x402chat:transfers:v1:${chainId}`;
const MAX_TRANSFERS = 200;

export function readTransfers(storage: KeyValue, chainId: number): TransferEntry[] {
  return parseStoredList<TransferEntry>(storage.getItem(journalKey(chainId)), (value) => {
    const e = value as Partial<TransferEntry> | null;
    return typeof e?.hash === "string" && /^0x[0-9a-fA-F]{64}$/.test(e.hash) && typeof e.url === "string";
  });
}

/** Records a transfer about to be sent; throws if storage refuses (then nothing must be sent). */
export function openTransfer(storage: KeyValue, entry: TransferEntry): void {
  const others = readTransfers(storage, entry.chainId).filter((e) => e.hash !== entry.hash);
  storage.setItem(journalKey(entry.chainId), JSON.stringify([...others, entry].slice(-MAX_TRANSFERS)));
}

export function updateTransfer(storage: KeyValue, chainId: number, hash: string, patch: Partial<TransferEntry>): void {
  storage.setItem(journalKey(chainId), JSON.stringify(readTransfers(storage, chainId).map((e) => (e.hash === hash ? { ...e, ...patch } : e))));
}

export function closeTransfer(storage: KeyValue, chainId: number, hash: string): void {
  const entries = readTransfers(storage, chainId);
  if (entries.some((e) => e.hash === hash)) storage.setItem(journalKey(chainId), JSON.stringify(entries.filter((e) => e.hash !== hash)));
}

// ---- the local wallet and the chain, as the transfer needs them ----

export type TransferReader = Pick<PublicClient, "getTransactionCount" | "estimateGas" | "estimateFeesPerGas" | "readContract" | "getBalance" | "waitForTransactionReceipt">;

/** What the transfer costs in gas at most: its gas estimate at the current max fee per gas. */
async function transferFees(reader: TransferReader, from: Address, request: TransferRequest) {
  const [gas, fees] = await Promise.all([
    reader.estimateGas({ account: from, to: request.to, data: request.data }),
    reader.estimateFeesPerGas(),
  ]);
  return { gas, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
}

/** The chain reads of a transfer payment, through any viem client (the browser's: the app's read-only relay). */
export function transferChain(reader: TransferReader, network: Network): TransferChain {
  return {
    usdcBalance: (address) => reader.readContract({ address: network.usdc.address, abi: erc20Abi, functionName: "balanceOf", args: [address] }),
    ethBalance: (address) => reader.getBalance({ address }),
    gasCost: async (from, request) => {
      const fees = await transferFees(reader, from, request);
      return fees.gas * fees.maxFeePerGas;
    },
    waitForReceipt: async (hash) => ({ status: (await reader.waitForTransactionReceipt({ hash, pollingInterval: 500, timeout: 120_000 })).status }),
  };
}

/** The unlocked local key as a transfer wallet: it signs here; `send` broadcasts the signed bytes. */
export function localTransferWallet(account: LocalAccount, reader: TransferReader, send: (serialized: Hex) => Promise<void>): TransferWallet {
  return {
    address: account.address,
    async signTransfer(request) {
      const [nonce, fees] = await Promise.all([
        reader.getTransactionCount({ address: account.address, blockTag: "pending" }),
        transferFees(reader, account.address, request),
      ]);
      const serialized = await account.signTransaction({
        type: "eip1559",
        chainId: request.chainId,
        to: request.to,
        data: request.data,
        nonce,
        gas: fees.gas,
        maxFeePerGas: fees.maxFeePerGas,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      });
      return { hash: keccak256(serialized), serialized };
    },
    send,
  };
}
