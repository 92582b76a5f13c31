import { NextResponse } from "next/server";
import { getAddress } from "viem";
import { networkByChainId } from "@/lib/chains/networks";
import { readJsonBody } from "@/lib/http/body";
import { formatZodError, jsonError } from "@/lib/http/json";
import { isCrossSiteRequest } from "@/lib/http/origin";
import { CIRCLE_FAUCET_URL, faucetKindOf, requestTestFunds } from "@/lib/server-wallet/faucet";
import { FaucetRequest } from "./schema";

export const dynamic = "force-dynamic";

const MAX_BODY_BYTES = 4 * 1024;

/** Which faucet a network has, so the UI can show the button or a note. */
export async function GET(req: Request) {
  const chainId = new URL(req.url).searchParams.get("chainId");
  const network = networkByChainId(Number(chainId));
  if (!network) return jsonError(404, "unknown_network", `No network with chain id ${chainId}`);
  const kind = await faucetKindOf(network);
  return NextResponse.json({ chainId: network.chainId, kind, externalUrl: network.testnet ? CIRCLE_FAUCET_URL : null });
}

/** Mints on the local chain or a local stand-in for a Base network: for this app's own pages only (another site's form or fetch is refused), JSON only. */
export async function POST(req: Request) {
  if (isCrossSiteRequest(req)) {
    await req.body?.cancel().catch(() => {});
    return jsonError(403, "cross_site", "The faucet serves this app's own pages only.");
  }
  const read = await readJsonBody(req, MAX_BODY_BYTES, { requireJsonType: true });
  if (!read.ok) return jsonError(read.status, read.code, read.message);
  const parsed = FaucetRequest.safeParse(read.value);
  if (!parsed.success) return jsonError(400, "invalid_request", formatZodError(parsed.error));
  const network = networkByChainId(parsed.data.chainId);
  if (!network) return jsonError(400, "unknown_network", `No network with chain id ${parsed.data.chainId}`);
  const outcome = await requestTestFunds(network, getAddress(parsed.data.address));
  if (outcome.ok) return NextResponse.json(outcome);
  const res = jsonError(outcome.status, outcome.code, outcome.message);
  if (outcome.retryAfterMs) res.headers.set("Retry-After", String(Math.ceil(outcome.retryAfterMs / 1000)));
  return res;
}
