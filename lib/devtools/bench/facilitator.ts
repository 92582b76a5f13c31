/** Facilitator verify and settle latency over loopback HTTP, and the gas each settlement used. */
import { HTTPFacilitatorClient } from "@x402/core/server";
import type { PaymentRequirements } from "@x402/core/types";
import { createPublicClient, http, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { AgentConfig } from "../../agents/registry";
import { handleFacilitatorRequest, handleFacilitatorSupported } from "../../x402/facilitator/http";
import { agentPrice } from "../../x402/server/quote";
import { serveRoutes } from "../route-server";
import { summarize } from "../load/stats";
import { localX402Client } from "../load/client";

export async function measureFacilitator(opts: { rpcUrl: string; agent: AgentConfig; payer: PrivateKeyAccount; runs: number }) {
  const server = await serveRoutes([
    { method: "POST", path: "/verify", handle: (req) => handleFacilitatorRequest(req, "verify") },
    { method: "POST", path: "/settle", handle: (req) => handleFacilitatorRequest(req, "settle") },
    { method: "GET", path: "/supported", handle: () => handleFacilitatorSupported() },
  ]);
  const facilitator = new HTTPFacilitatorClient({ url: server.url });
  const chain = createPublicClient({ transport: http(opts.rpcUrl) });
  const { scheme, network, payTo, amount, asset, extra, maxTimeoutSeconds } = agentPrice(opts.agent);
  const requirements: PaymentRequirements = { scheme, network, payTo, amount, asset, extra: { ...extra }, maxTimeoutSeconds };
  const client = localX402Client(opts.payer);
  const verify: number[] = [];
  const settle: number[] = [];
  const gas: number[] = [];
  try {
    for (let i = 0; i < opts.runs; i++) {
      const payload = await client.createPaymentPayload({ x402Version: 2, resource: { url: "http://bench/resource" }, accepts: [requirements] });
      let t = performance.now();
      const verdict = await facilitator.verify(payload, requirements);
      verify.push(performance.now() - t);
      if (!verdict.isValid) throw new Error(`verify failed: ${verdict.invalidReason}`);
      t = performance.now();
      const settled = await facilitator.settle(payload, requirements);
      settle.push(performance.now() - t);
      if (!settled.success) throw new Error(`settle failed: ${settled.errorReason}`);
      gas.push(Number((await chain.getTransactionReceipt({ hash: settled.transaction as Hex })).gasUsed));
    }
  } finally {
    await server.close();
  }
  return { verify: summarize(verify), settle: summarize(settle), gas: summarize(gas) };
}
