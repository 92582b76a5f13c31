import type { PaymentRequirements, ResourceInfo } from "@x402/core/types";
import type { PaymentRequirementsV1 } from "@x402/core/types/v1";
import type { Network } from "@/lib/chains/networks";

/**
 * A quote in x402 v1's shape, but for its `outputSchema`, which only the 402 body describes. v1 names networks
 * ("base-sepolia"), which the SDK's type, written for CAIP-2 ids, does not admit.
 */
export type V1Requirements = Omit<PaymentRequirementsV1, "outputSchema" | "network"> & { network: string };

/**
 * One v2 quote in x402 v1's shape: what a 402 lists in `accepts` and what a facilitator verifies a v1 payment
 * against. v1 names networks from a closed list; where it has no name (the local chain) the CAIP-2 id stands in.
 */
export function v1Requirements(requirements: PaymentRequirements, network: Network, resource: ResourceInfo): V1Requirements {
  return {
    scheme: requirements.scheme,
    network: network.x402V1Name ?? network.caip2,
    maxAmountRequired: requirements.amount,
    resource: resource.url,
    description: resource.description ?? "",
    mimeType: resource.mimeType ?? "",
    payTo: requirements.payTo,
    maxTimeoutSeconds: requirements.maxTimeoutSeconds,
    asset: requirements.asset,
    extra: requirements.extra,
  };
}
