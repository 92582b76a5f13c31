import { NextResponse } from "next/server";
import { networkByChainId } from "@/lib/chains/networks";
import { MAX_BODY_BYTES, relayRpc } from "@/lib/wallet/rpc-proxy";

export const dynamic = "force-dynamic";

/** Read-only JSON-RPC for the browser's wagmi transports (see lib/wallet/rpc-proxy.ts). */
export async function POST(req: Request, ctx: { params: Promise<{ chainId: string }> }) {
  const { chainId } = await ctx.params;
  const network = networkByChainId(Number(chainId));
  if (!network) {
    return NextResponse.json({ jsonrpc: "2.0", id: null, error: { code: -32000, message: `Unknown chain ${chainId}` } }, { status: 404 });
  }
  // Refuse an oversized body before reading it, when the client says how large it is.
  if (Number(req.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) {
    return NextResponse.json({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "Request body too large" } }, { status: 413 });
  }
  return NextResponse.json(await relayRpc(network, await req.text()), { headers: { "Cache-Control": "no-store" } });
}
