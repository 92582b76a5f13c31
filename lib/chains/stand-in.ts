import "server-only";
import { sameCode } from "@/lib/devchain/deploy";
import { standInToken } from "@/lib/devchain/stand-in";
import type { Network } from "./networks";
import { publicClientOf, rpcUrlOf } from "./rpc";

/**
 * Whether a Base network's RPC is one of our local stand-ins (`npm run chain -- --as …`) rather than the real
 * network: its USDC address holds our token's code, which no real chain has there (Circle's USDC is a proxy). Judged
 * by the code, not by anvil answering, so an anvil forked from the real network does not pass: there the faucet
 * could not mint. An unreachable RPC is not a stand-in. The verdict is kept a few seconds per RPC URL.
 */
const FRESH_MS = 10_000;
const CHECK_TIMEOUT_MS = 3_000;
const verdicts = new Map<string, { at: number; standIn: Promise<boolean> }>();

export function isStandIn(network: Network): Promise<boolean> {
  if (network.key === "local") return Promise.resolve(false);
  const key = `${network.chainId}|${rpcUrlOf(network)}`;
  const known = verdicts.get(key);
  if (known && Date.now() - known.at < FRESH_MS) return known.standIn;
  const standIn = readStandIn(network);
  verdicts.set(key, { at: Date.now(), standIn });
  return standIn;
}

async function readStandIn(network: Network): Promise<boolean> {
  try {
    const client = publicClientOf(network, { timeoutMs: CHECK_TIMEOUT_MS });
    const [chainId, code] = await Promise.all([client.getChainId(), client.getCode({ address: network.usdc.address })]);
    return chainId === network.chainId && sameCode(code, standInToken(network).deployedBytecode);
  } catch {
    return false;
  }
}
