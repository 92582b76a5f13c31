import { NextResponse } from "next/server";
import { getAddress, isAddress } from "viem";
import { z } from "zod";
import { networkByChainId } from "@/lib/chains/networks";
import { formatZodError, jsonError } from "@/lib/http/json";
import { CIRCLE_FAUCET_URL, faucetKindOf, requestTestFunds } from "@/lib/wallet/faucet";

export const dynamic = "force-dynamic";

const body = z.object({
  address: z.string().refine((a) => isAddress(a, { strict: false }), "not an EVM address"),
  chainId: z.number().int(),
});

/** Which faucet a network has, so the UI can show the button or a note. */
export async function GET(req: Request) {
  const chainId = new URL(req.url).searchParams.get("chainId");
  const network = networkByChainId(Number(chainId));
  if (!network) return jsonError(404, "unknown_network", `No network with chain id ${chainId}`);
  const kind = faucetKindOf(network);
  return NextResponse.json({ chainId: network.chainId, kind, externalUrl: network.testnet ? CIRCLE_FAUCET_URL : null });
}

export async function POST(req: Request) {
  const parsed = body.safeParse(await req.json().catch(() => null));
  if (!parsed.success) return jsonError(400, "invalid_request", formatZodError(parsed.error));
  const network = networkByChainId(parsed.data.chainId);
  if (!network) return jsonError(400, "unknown_network", `No network with chain id ${parsed.data.chainId}`);
  const outcome = await requestTestFunds(network, getAddress(parsed.data.address));
  if (outcome.ok) return NextResponse.json(outcome);
  const res = jsonError(outcome.status, outcome.code, outcome.message);
  if (outcome.retryAfterMs) res.headers.set("Retry-After", String(Math.ceil(outcome.retryAfterMs / 1000)));
  return res;
}
