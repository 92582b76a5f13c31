/**
 * A tab's session key: the channel's `payerAuthorizer`, which signs every voucher without a prompt. It is derived,
 * never stored: the wallet signs one fixed EIP-712 message per (payer, receiver, token, network), and the key is the
 * keccak-256 of that signature. So it survives a reload (derived again) and is the same on another device holding
 * the same wallet, which matters because the channel id commits to the payerAuthorizer's address: the same key means
 * the same channel, and the tab continues.
 *
 * Why this is safe:
 * - The signature is the secret. It is used here and dropped: no request carries it or the key (tested), and
 *   neither is written to storage (only kept in this page's memory so one page asks the wallet once).
 * - The message names this app, its purpose and the one channel's parties, in a typed-data domain of its own: a
 *   wallet shows it as such, and the same words signed for anything else (a transfer, a permit, a login) give a
 *   different digest. A site that shows the user this very message could learn the key, but only by the user
 *   signing a message that says it unlocks an x402 Chat tab; and the key can only sign vouchers of that one
 *   channel, bounded by its deposit, to its receiver.
 * - Losing it strands nothing: the wallet itself can always take the deposit back (the channel's timed
 *   withdrawal), and a new derivation gives the key back.
 * It needs a wallet whose signatures are deterministic (RFC 6979: viem's local accounts, and the common wallets);
 * a wallet that signs with a random nonce would give a new key, hence a new channel, after each reload.
 */
import type { ClientEvmSigner } from "@x402/evm";
import { getAddress, keccak256, type Address, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { Caip2 } from "@/lib/chains/networks";

export interface SessionKeyScope {
  /** The wallet that deposits (the channel's payer). */
  payer: Address;
  /** The agent's payTo (the channel's receiver). */
  receiver: Address;
  token: Address;
  network: Caip2;
}

/** The typed data the wallet signs for one scope: fixed, so the same wallet always gives the same key. */
export function sessionKeyMessage(scope: SessionKeyScope) {
  const chainId = Number(scope.network.split(":")[1]);
  return {
    domain: { name: "x402 Chat tab session key", version: "1", chainId },
    types: {
      SessionKey: [
        { name: "app", type: "string" },
        { name: "purpose", type: "string" },
        { name: "payer", type: "address" },
        { name: "receiver", type: "address" },
        { name: "token", type: "address" },
        { name: "network", type: "string" },
      ],
    },
    primaryType: "SessionKey" as const,
    message: {
      app: "x402 Chat",
      purpose: "Unlock the key that pays this tab's messages in x402 Chat. Sign this only in x402 Chat.",
      payer: getAddress(scope.payer),
      receiver: getAddress(scope.receiver),
      token: getAddress(scope.token),
      network: scope.network,
    },
  };
}

// secp256k1's group order: a private key is a scalar in [1, n).
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The key a signature gives: keccak-256 of it, hashed again in the (2^-128) case it is not a valid scalar. */
export function keyFromSignature(signature: Hex): Hex {
  let key = keccak256(signature);
  while (BigInt(key) === 0n || BigInt(key) >= SECP256K1_N) key = keccak256(key);
  return key;
}

const derived = new Map<string, Promise<PrivateKeyAccount>>();

/**
 * The session key of a scope, derived from the wallet's signature (one signature per scope and page; the local
 * wallet signs without a prompt). `signer.address` must be the scope's payer.
 */
export function deriveSessionKey(signer: Pick<ClientEvmSigner, "address" | "signTypedData">, scope: SessionKeyScope): Promise<PrivateKeyAccount> {
  if (getAddress(signer.address) !== getAddress(scope.payer)) throw new Error("The session key is derived by the payer's own wallet.");
  const id = [scope.network, scope.payer, scope.receiver, scope.token].map((s) => s.toLowerCase()).join("|");
  let pending = derived.get(id);
  if (!pending) {
    pending = signer.signTypedData(sessionKeyMessage(scope)).then((signature) => privateKeyToAccount(keyFromSignature(signature)));
    // A refused signature is not remembered: the next message asks again.
    pending.catch(() => derived.delete(id));
    derived.set(id, pending);
  }
  return pending;
}

/** Forgets this page's derived keys (the wallet locked, or a test simulating a reload). */
export function forgetSessionKeys(): void {
  derived.clear();
}
