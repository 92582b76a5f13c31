import { BATCH_SETTLEMENT_ADDRESS } from "@x402/evm";
import { NextResponse } from "next/server";
import { isAddressEqual, parseTransaction, recoverTransactionAddress, type Address, type Hex, type TransactionSerialized } from "viem";
import { networkByChainId } from "@/lib/chains/networks";
import { rpcUrlOf } from "@/lib/chains/rpc";
import { readJsonBody } from "@/lib/http/body";
import { jsonError } from "@/lib/http/json";
import { isCrossSiteRequest } from "@/lib/http/origin";
import { RateLimiter } from "@/lib/http/rate-limit";

export const dynamic = "force-dynamic";

/** A sender (the signer of the transaction) may pass a few a minute: a tab's withdrawal is two. */
const limiter = new RateLimiter(60_000, 10);

/** ERC-20 `transfer(address,uint256)`: the pay-then-prove agents' payment (pay-by-transfer). */
const TRANSFER_SELECTOR = "0xa9059cbb";

/** A call of this network's USDC `transfer`, nothing else of the token (no approve, no transferFrom). */
function isUsdcTransfer(to: Address, data: Hex | undefined, usdc: Address): boolean {
  return isAddressEqual(to, usdc) && data?.slice(0, 10).toLowerCase() === TRANSFER_SELECTOR;
}

/**
 * Broadcasts a transaction the browser's local wallet signed itself, for the wallet's own way out of a tab
 * (initiateWithdraw / finalizeWithdraw on the tab contract) and its payment of a pay-then-prove agent (a USDC
 * `transfer`): only a signed transaction to that contract or that call of this network's USDC, on its chain,
 * passes. The server signs nothing and pays nothing; the read-only relay stays read-only.
 */
export async function POST(req: Request, ctx: { params: Promise<{ chainId: string }> }) {
  const { chainId } = await ctx.params;
  const network = networkByChainId(Number(chainId));
  if (!network) return jsonError(404, "unknown_network", `Unknown chain ${chainId}`);
  if (isCrossSiteRequest(req)) return jsonError(403, "cross_site", "Transactions are sent from this app's pages only.");
  const body = await readJsonBody(req, 16 * 1024, { requireJsonType: true });
  if (!body.ok) return jsonError(body.status, body.code, body.message);
  const raw = (body.value as { transaction?: unknown } | null)?.transaction;
  if (typeof raw !== "string" || !/^0x[0-9a-fA-F]+$/.test(raw)) return jsonError(400, "invalid_request", "Send {transaction}: a signed transaction, hex.");
  let from: Address;
  try {
    const tx = parseTransaction(raw as TransactionSerialized);
    if (tx.chainId !== network.chainId) return jsonError(400, "invalid_request", `The transaction is for chain ${tx.chainId}, not ${network.chainId}.`);
    if (!tx.to || !(isAddressEqual(tx.to, BATCH_SETTLEMENT_ADDRESS) || isUsdcTransfer(tx.to, tx.data, network.usdc.address))) {
      return jsonError(400, "invalid_request", "Only a transaction to the tab contract, or a USDC transfer, is sent here.");
    }
    from = await recoverTransactionAddress({ serializedTransaction: raw as TransactionSerialized });
  } catch {
    return jsonError(400, "invalid_request", "The transaction is not a signed transaction.");
  }
  if (!limiter.take(from.toLowerCase()).ok) return jsonError(429, "rate_limited", "Too many transactions from this wallet; wait a minute.");
  const res = await fetch(rpcUrlOf(network), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: [raw] }),
    signal: AbortSignal.timeout(10_000),
  }).catch(() => null);
  const answer = res ? ((await res.json().catch(() => null)) as { result?: Hex; error?: { message?: string } } | null) : null;
  if (!answer?.result) return jsonError(502, "rpc_unavailable", `${network.name} did not take the transaction: ${answer?.error?.message ?? "no answer"}`);
  return NextResponse.json({ transaction: answer.result }, { headers: { "Cache-Control": "no-store" } });
}
