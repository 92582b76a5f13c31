import { NextResponse } from "next/server";
import { networkByChainId } from "@/lib/chains/networks";
import { readJsonBody } from "@/lib/http/body";
import { MAX_BODY_BYTES, relayRpc, rpcError } from "@/lib/server-wallet/rpc-relay";

export const dynamic = "force-dynamic";

/** Read-only JSON-RPC for the browser's wagmi transports (see lib/server-wallet/rpc-relay.ts). */
export async function POST(req: Request, ctx: { params: Promise<{ chainId: string }> }) {
  const { chainId } = await ctx.params;
  const network = networkByChainId(Number(chainId));
  if (!network) {
    await req.body?.cancel().catch(() => {});
    return NextResponse.json(rpcError(null, -32000, `Unknown chain ${chainId}`), { status: 404 });
  }
  // JSON only: a form or a simple cross-site fetch cannot send application/json without a CORS preflight,
  // which this route does not answer. The body is read within MAX_BODY_BYTES, streamed or not.
  const body = await readJsonBody(req, MAX_BODY_BYTES, { requireJsonType: true });
  if (!body.ok) {
    // JSON-RPC clients read errors in JSON-RPC's shape; `data` carries the app's error code.
    const code = body.status === 400 ? -32700 : -32600;
    return NextResponse.json(rpcError(null, code, body.message, { code: body.code }), { status: body.status === 400 ? 200 : body.status });
  }
  return NextResponse.json(await relayRpc(network, body.value, req.signal), { headers: { "Cache-Control": "no-store" } });
}
