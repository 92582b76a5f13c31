import "server-only";
import { parseEther, type Address, type Hex } from "viem";
import type { Network } from "@/lib/chains/networks";
import { rpcUrlOf } from "@/lib/chains/rpc";
import { isStandIn } from "@/lib/chains/stand-in";
import type { ErrorCode } from "@/lib/errors";
import { env } from "@/lib/env";
// deploy.ts, not the devchain index: the index also exports the anvil launcher, which has no place in the server.
import { fundLocalAccount } from "@/lib/devchain/deploy";
import { RateLimiter } from "../http/rate-limit";

/** What one "Get test funds" gives on the local chain: 10 USDC and gas for a few transactions. */
export const LOCAL_FAUCET_AMOUNTS = { usdc: 10_000000n, eth: parseEther("0.01") };
export const FAUCET_WINDOW_MS = 10_000;
/**
 * Besides once per address: at most FAUCET_MINTS_PER_MINUTE mints per network per window for everyone
 * together, so fresh addresses (free to make) cannot mint without end or crowd out the chain's writes.
 */
export const faucetGlobalMax = () => env.FAUCET_MINTS_PER_MINUTE;
export const FAUCET_GLOBAL_WINDOW_MS = 60_000;
export const CIRCLE_FAUCET_URL = "https://faucet.circle.com";

/**
 * How a network's test funds are had: our local mint, the same mint on a local stand-in for a Base network
 * (lib/chains/stand-in.ts), CDP's faucet (keys configured), or not through us.
 */
export type FaucetKind = "local" | "stand-in" | "cdp" | "none";

export type FaucetOutcome =
  | { ok: true; kind: "local" | "stand-in"; usdc: string; eth: string; transactions: Hex[] }
  | { ok: true; kind: "cdp"; transactions: Hex[] }
  | { ok: false; status: 403 | 429 | 502; code: ErrorCode; message: string; retryAfterMs?: number };

const limiter = new RateLimiter(FAUCET_WINDOW_MS);
/** One limiter per configured maximum, so a changed setting takes effect. */
const globalLimiters = new Map<number, RateLimiter>();
function globalLimiter(): RateLimiter {
  const max = faucetGlobalMax();
  let limiter = globalLimiters.get(max);
  if (!limiter) globalLimiters.set(max, (limiter = new RateLimiter(FAUCET_GLOBAL_WINDOW_MS, max)));
  return limiter;
}

export async function faucetKindOf(network: Network): Promise<FaucetKind> {
  if (network.key === "local") return "local";
  // A stand-in mints like the local chain; the real Base Sepolia keeps CDP's faucet (or none).
  if (await isStandIn(network)) return "stand-in";
  if (network.key === "base-sepolia" && env.CDP_API_KEY_ID && env.CDP_API_KEY_SECRET) return "cdp";
  return "none";
}

/**
 * Sends test funds to `address`: once per address and network per FAUCET_WINDOW_MS, and FAUCET_MINTS_PER_MINUTE
 * times per network per FAUCET_GLOBAL_WINDOW_MS in all.
 */
export async function requestTestFunds(network: Network, address: Address): Promise<FaucetOutcome> {
  const kind = await faucetKindOf(network);
  if (kind === "none") {
    return {
      ok: false,
      status: 403,
      code: "no_faucet",
      message: network.testnet
        ? `No faucet is configured for ${network.name}: get test USDC at ${CIRCLE_FAUCET_URL}`
        : `${network.name} holds real money: there is no faucet`,
    };
  }
  const slot = `${network.chainId}:${address.toLowerCase()}`;
  const taken = limiter.take(slot);
  if (!taken.ok) {
    const seconds = Math.ceil(taken.retryAfterMs / 1000);
    return {
      ok: false,
      status: 429,
      code: "rate_limited",
      message: `Test funds were just sent to this address: try again in ${seconds} s`,
      retryAfterMs: taken.retryAfterMs,
    };
  }
  const globalSlot = String(network.chainId);
  const takenGlobally = globalLimiter().take(globalSlot);
  if (!takenGlobally.ok) {
    limiter.release(slot);
    const seconds = Math.ceil(takenGlobally.retryAfterMs / 1000);
    return {
      ok: false,
      status: 429,
      code: "faucet_busy",
      message: `The faucet has sent all it sends for now: try again in ${seconds} s`,
      retryAfterMs: takenGlobally.retryAfterMs,
    };
  }
  try {
    if (kind === "local" || kind === "stand-in") {
      const target = { chainId: network.chainId, usdc: network.usdc.address };
      const funding = await fundLocalAccount(rpcUrlOf(network), address, LOCAL_FAUCET_AMOUNTS, target);
      return {
        ok: true,
        kind,
        usdc: LOCAL_FAUCET_AMOUNTS.usdc.toString(),
        eth: LOCAL_FAUCET_AMOUNTS.eth.toString(),
        transactions: [funding.usdcTx, funding.ethTx].filter((tx): tx is Hex => tx !== null),
      };
    }
    // Loaded only here: the SDK is large and must stay out of the way without keys.
    const { CdpClient } = await import("@coinbase/cdp-sdk");
    const { transactionHash } = await new CdpClient().evm.requestFaucet({ address, network: "base-sepolia", token: "usdc" });
    return { ok: true, kind, transactions: [transactionHash] };
  } catch (err) {
    limiter.release(slot);
    globalLimiter().release(globalSlot);
    const reason = ((err as { shortMessage?: string }).shortMessage ?? (err as Error).message).split("\n")[0];
    return { ok: false, status: 502, code: "faucet_failed", message: `The faucet failed: ${reason}` };
  }
}
