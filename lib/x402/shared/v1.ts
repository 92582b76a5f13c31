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

/** The schemes x402 v1 defines: its clients parse every offer in `accepts` against this closed list. */
export const V1_SCHEMES: readonly string[] = ["exact"];

/**
 * The offers a v1 body lists. On a network v1 names (Base), only v1's schemes: the official v1 client (`x402-fetch`
 * 1.2) parses every entry and throws on any other (a tab, `batch-settlement`, is v2's, in the header). The local
 * chain has no v1 name, so no v1 client pays there, and its body mirrors the header for readers of the body.
 */
export function v1OffersOf<T extends { scheme: string }>(offers: readonly T[], network: Network): T[] {
  return network.x402V1Name ? offers.filter((offer) => V1_SCHEMES.includes(offer.scheme)) : [...offers];
}
