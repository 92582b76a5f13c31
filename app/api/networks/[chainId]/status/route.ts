import { NextResponse } from "next/server";
import { networkByChainId } from "@/lib/chains/networks";
import { readNetworkStatus } from "@/lib/chains/status";
import { jsonError } from "@/lib/http/json";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, ctx: { params: Promise<{ chainId: string }> }) {
  const { chainId } = await ctx.params;
  const network = networkByChainId(Number(chainId));
  if (!network) return jsonError(404, "unknown_network", `No network with chain id ${chainId}`);
  const status = await readNetworkStatus(network);
  return NextResponse.json(status, { headers: { "Cache-Control": "no-store" } });
}
