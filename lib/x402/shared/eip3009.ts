/**
 * EIP-3009's ReceiveWithAuthorization and how the tab contracts' ERC-3009 deposit collector takes one: shared by
 * the browser (a tab's top-up) and the tests that sign deposits themselves.
 */
import { authorizationTypes } from "@x402/evm";
import { encodeAbiParameters, keccak256, type Hex } from "viem";

/**
 * The typed data's types and primary type: `signTypedData({ domain, ...receiveWithAuthorization, message })`. Only
 * its `to` (the collector) may submit it, so nobody can front-run a deposit with it as a plain transfer. EIP-3009
 * gives it TransferWithAuthorization's fields; the SDK exports only that table and keeps its receive one private.
 */
export const receiveWithAuthorization = {
  types: { ReceiveWithAuthorization: authorizationTypes.TransferWithAuthorization },
  primaryType: "ReceiveWithAuthorization",
} as const;

/** The authorization's nonce as the collector checks it, keccak(channelId, salt): it funds that channel only. */
export function erc3009DepositNonce(channelId: Hex, salt: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [channelId, salt]));
}

/**
 * The `collectorData` of a deposit through the collector: (validAfter, validBefore, salt, signature). The SDK's
 * facilitator encodes the same (a test in test/contracts/batch-settlement.test.ts compares), but does not export it.
 */
export function erc3009CollectorData(auth: { validAfter: bigint; validBefore: bigint; salt: bigint; signature: Hex }): Hex {
  return encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "bytes" }],
    [auth.validAfter, auth.validBefore, auth.salt, auth.signature],
  );
}
