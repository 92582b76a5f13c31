/** EIP-3009's ReceiveWithAuthorization: shared by the browser (a tab's top-up) and the tests that sign deposits themselves. */
import { authorizationTypes } from "@x402/evm";

/**
 * The typed data's types and primary type: `signTypedData({ domain, ...receiveWithAuthorization, message })`. Only
 * its `to` (the collector) may submit it, so nobody can front-run a deposit with it as a plain transfer. EIP-3009
 * gives it TransferWithAuthorization's fields; the SDK exports only that table and keeps its receive one private.
 */
export const receiveWithAuthorization = {
  types: { ReceiveWithAuthorization: authorizationTypes.TransferWithAuthorization },
  primaryType: "ReceiveWithAuthorization",
} as const;
