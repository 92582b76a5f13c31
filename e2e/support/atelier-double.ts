/**
 * An Atelier-style test double (not Atelier): a pay-then-prove agent whose 402 is Atelier's shape, quoting the local
 * chain as eip155:31337 and our USDC; a request with `X-PAYMENT` (a transaction hash) is served once the chain shows a
 * transfer of the price to `payTo`, once per hash. Shared by the payer's vitest and the e2e spec; it binds 127.0.0.1
 * on a free port.
 */
import { createPublicClient, erc20Abi, http, isAddressEqual, parseEventLogs, type Address, type Hex } from "viem";
import { NETWORKS } from "../../lib/chains/networks";
import { serveRoutes } from "../../lib/devtools/route-server";

export interface AtelierDoubleState {
  /** Hashes already served. */
  used: Set<string>;
  /** Every proof it was sent: the X-PAYMENT hash and the X-Payment-Network header. */
  proofs: Array<{ hash: string; network: string | null }>;
  /** Drop this many next proofs (503), to test a proof that did not get through. */
  failProofs: number;
  /** Overrides of the quote's fields (e.g. a Solana network). */
  quote: Record<string, unknown>;
}

export interface AtelierDouble {
  url: string;
  /** The pay URL the chat posts to. */
  payUrl: string;
  state: AtelierDoubleState;
  close(): Promise<void>;
}

export async function startAtelierDouble(opts: { rpcUrl: string; payTo: Address; price: bigint }): Promise<AtelierDouble> {
  const network = NETWORKS.local;
  const state: AtelierDoubleState = { used: new Set(), proofs: [], failProofs: 0, quote: {} };
  const reader = createPublicClient({ transport: http(opts.rpcUrl) });
  const server = await serveRoutes([
    {
      method: "POST",
      path: "/api/x402/pay",
      handle: async (req) => {
        const hash = req.headers.get("x-payment");
        const body = (await req.json().catch(() => ({}))) as { brief?: string; messages?: Array<{ parts?: Array<{ type: string; text?: string }> }> };
        // A brief, or the chat's body (its last message's text).
        const brief = body.brief ?? body.messages?.at(-1)?.parts?.find((p) => p.type === "text")?.text ?? "";
        if (!hash) {
          const requirements = {
            version: "1",
            scheme: "exact",
            network: network.caip2,
            asset: { currency: "USDC", address: network.usdc.address },
            payTo: opts.payTo,
            maxAmountRequired: opts.price.toString(),
            description: "A logo brief",
            resource: req.url,
            ...state.quote,
          };
          return Response.json({ error: "payment_required", payment_requirements: requirements }, { status: 402 });
        }
        state.proofs.push({ hash, network: req.headers.get("x-payment-network") });
        if (state.failProofs > 0) {
          state.failProofs -= 1;
          return new Response("busy", { status: 503 });
        }
        // Its own check (not our seller's, which is server-only): a successful transaction whose USDC Transfers to payTo
        // add up to the price.
        const receipt = await reader.getTransactionReceipt({ hash: hash as Hex }).catch(() => null);
        const paid = (receipt?.status === "success" ? parseEventLogs({ abi: erc20Abi, eventName: "Transfer", logs: receipt.logs }) : [])
          .filter((log) => isAddressEqual(log.address, network.usdc.address) && isAddressEqual(log.args.to, opts.payTo))
          .reduce((sum, log) => sum + log.args.value, 0n);
        if (paid < opts.price) return Response.json({ error: `no transfer of ${opts.price} to ${opts.payTo} in ${hash}` }, { status: 402 });
        if (state.used.has(hash)) return Response.json({ error: "hash already used" }, { status: 409 });
        state.used.add(hash);
        return Response.json({ success: true, data: { order_id: `o-${state.used.size}`, status: "completed", reply: `Logo for: ${brief}`, payment: { transaction: hash } } });
      },
    },
  ]);
  return { url: server.url, payUrl: `${server.url}/api/x402/pay`, state, close: () => server.close() };
}
