import { x402HTTPClient } from "@x402/core/client";
import { decodePaymentRequiredHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { createPublicClient, erc20Abi, http, parseUnits, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { NETWORKS } from "@/lib/chains/networks";
import { fundLocalAccount, type Anvil } from "@/lib/devchain";
import { localX402Client } from "@/lib/devtools/load/client";
import { serveRoutes, type Route } from "../../lib/devtools/route-server";
import { setEnv, startTestChain, fixture } from "../support/fixtures";
import { handlePaidAgentChat, handlePaidAgentGet } from "@/lib/x402/server/paid-chat";
import { agentPrice } from "@/lib/x402/server/quote";
import { getAgent } from "@/lib/agents/registry";
import { handleFacilitatorRequest, handleFacilitatorSupported } from "@/lib/x402/facilitator/http";

export const MARKET_AGENT = "00000000-0000-0000-0000-000000000001";
export const WALLET_AGENT = "00000000-0000-0000-0000-000000000002";
export const USDC = NETWORKS.local.usdc.address;

/** The market agent's `exact` requirements, as its 402 quotes them (for tests that call the facilitator directly). */
export function marketRequirements(): PaymentRequirements {
  const { scheme, network, payTo, amount, asset, extra, maxTimeoutSeconds } = agentPrice(getAgent(MARKET_AGENT)!);
  return { scheme, network, payTo, amount, asset, extra: { ...extra }, maxTimeoutSeconds };
}

const PAID_ROUTES: Route[] = [
  { method: "POST", path: "/api/x402/:agentId/chat", handle: (req, p) => handlePaidAgentChat(req, p.agentId!) },
  { method: "GET", path: "/api/x402/:agentId/chat", handle: (req, p) => handlePaidAgentGet(req, p.agentId!) },
  { method: "POST", path: "/api/facilitator/verify", handle: (req) => handleFacilitatorRequest(req, "verify") },
  { method: "POST", path: "/api/facilitator/settle", handle: (req) => handleFacilitatorRequest(req, "settle") },
  { method: "GET", path: "/api/facilitator/supported", handle: () => handleFacilitatorSupported() },
];

export interface PaidStack {
  /** The chain, made the app's local network. */
  readonly anvil: Anvil;
  /** The paid chat route and our facilitator's routes, served over HTTP. */
  readonly url: string;
}

/**
 * The paid stack for the tests of this file (or describe block): a fresh anvil with our contracts, made the
 * app's local chain, the ledger in memory, and the paid and facilitator routes served. Hooks registered after
 * this call see it started; its environment is restored afterwards.
 */
export function paidStackFixture(): PaidStack {
  const stack = fixture(
    async () => {
      const chain = await startTestChain();
      const restoreEnv = setEnv({ DATA_DIR: "memory://" });
      const server = await serveRoutes(PAID_ROUTES);
      return { chain, server, restoreEnv };
    },
    async ({ chain, server, restoreEnv }) => {
      await server.close();
      restoreEnv();
      await chain.stop();
    },
  );
  return {
    get anvil() {
      return stack().chain.anvil;
    },
    get url() {
      return stack().server.url;
    },
  };
}

/** A new key holding `usdc` test USDC on the local chain. */
export async function fundedPayer(rpcUrl: string, usdc = "10"): Promise<PrivateKeyAccount> {
  const account = privateKeyToAccount(generatePrivateKey());
  await fundLocalAccount(rpcUrl, account.address, { usdc: parseUnits(usdc, 6), eth: 0n });
  return account;
}

export function usdcBalance(rpcUrl: string, address: Address): Promise<bigint> {
  const client = createPublicClient({ transport: http(rpcUrl) });
  return client.readContract({ address: USDC, abi: erc20Abi, functionName: "balanceOf", args: [address] });
}

/** The official x402 client and paying fetch for a key on the local chain (shared with the load runner). */
export { localPayingFetch as payingFetch, localX402Client as x402ClientFor } from "@/lib/devtools/load/client";

/** Asks for the quote, then signs a proof for it without sending it: for replay and tampering tests. */
export async function signProofFor(
  account: PrivateKeyAccount,
  url: string,
  tamper?: (required: PaymentRequired) => void,
): Promise<{ header: string; payload: PaymentPayload; required: PaymentRequired }> {
  const res = await fetch(url, { method: "POST", body: chatBody("What is the current price of ETH?") });
  if (res.status !== 402) throw new Error(`expected 402, got ${res.status}: ${await res.text()}`);
  const required = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!);
  tamper?.(required);
  const client = new x402HTTPClient(localX402Client(account));
  const payload = await client.createPaymentPayload(required);
  return { header: encodePaymentSignatureHeader(payload), payload, required };
}

export function chatBody(text: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ messages: [{ role: "user", content: text }], ...extra });
}

export type { Hex };
