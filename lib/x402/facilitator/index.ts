import "server-only";
import { HTTPFacilitatorClient, type FacilitatorClient } from "@x402/core/server";
import type { x402Facilitator } from "@x402/core/facilitator";
import type { SupportedResponse } from "@x402/core/types";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/singleton";
import { createLocalFacilitator } from "./local";

/**
 * Which facilitators the paid routes use, in order of preference: the one at
 * FACILITATOR_URL (e.g. x402.org's for Base Sepolia), then CDP's when CDP keys
 * are set, then our own (in process, no HTTP hop) for what those do not serve.
 */

/** One instance per process: its senders must see every transaction of this process (sender.ts). */
export function getLocalFacilitator(): x402Facilitator {
  return processSingleton("localFacilitator", createLocalFacilitator);
}

/** Adapts the in-process facilitator to the client interface the resource server expects. */
export class InProcessFacilitatorClient implements FacilitatorClient {
  constructor(private readonly facilitator: x402Facilitator) {}
  verify: FacilitatorClient["verify"] = (payload, requirements) => this.facilitator.verify(payload, requirements);
  settle: FacilitatorClient["settle"] = (payload, requirements) => this.facilitator.settle(payload, requirements);
  // The facilitator types networks as plain strings; they are the CAIP-2 ids it was registered with.
  getSupported = async () => this.facilitator.getSupported() as SupportedResponse;
}

export async function facilitatorClients(): Promise<FacilitatorClient[]> {
  const clients: FacilitatorClient[] = [];
  const url = env.FACILITATOR_URL;
  if (url) clients.push(new HTTPFacilitatorClient({ url }));
  if (env.CDP_API_KEY_ID && env.CDP_API_KEY_SECRET) {
    // Loaded only when configured: the CDP SDK is large and needs its keys.
    const { createCdpFacilitatorClient } = await import("@coinbase/cdp-sdk/x402");
    clients.push(createCdpFacilitatorClient());
  }
  clients.push(new InProcessFacilitatorClient(getLocalFacilitator()));
  return clients;
}

/** Describes the facilitators in use, for discovery documents. */
export function facilitatorDescription(): { local: true; remote: string | null; cdp: boolean } {
  return {
    local: true,
    remote: env.FACILITATOR_URL ?? null,
    cdp: Boolean(env.CDP_API_KEY_ID && env.CDP_API_KEY_SECRET),
  };
}
