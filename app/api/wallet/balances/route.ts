import { NextResponse } from "next/server";
import { getAddress, isAddress } from "viem";
import { networkByChainId } from "@/lib/chains/networks";
import { jsonError } from "@/lib/http/json";
import { readBalances } from "@/lib/server-wallet/balances";

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  const params = new URL(req.url).searchParams;
  const network = networkByChainId(Number(params.get("chainId")));
  if (!network) return jsonError(404, "unknown_network", `No network with chain id ${params.get("chainId")}`);
  const address = params.get("address") ?? "";
  if (!isAddress(address, { strict: false })) return jsonError(400, "invalid_address", "address is not an EVM address");
  try {
    const balances = await readBalances(network, getAddress(address));
    return NextResponse.json(balances, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    const reason = (err as { shortMessage?: string }).shortMessage ?? (err as Error).message;
    return jsonError(502, "rpc_unavailable", `${network.name}: ${reason.split("\n")[0]}`);
  }
}
