/**
 * The keystore v3 shape and what can be read from it without decrypting. Kept apart from keystore.ts so that
 * reading a vault does not load the crypto (scrypt, AES), which the page fetches only to create or unlock.
 */
import { getAddress, type Address } from "viem";

export const MIN_PASSWORD_LENGTH = 8;

export interface KeystoreV3 {
  version: 3;
  id: string;
  /** Lower-case hex without 0x, as geth writes it. */
  address: string;
  crypto: {
    cipher: string;
    cipherparams: { iv: string };
    ciphertext: string;
    kdf: string;
    kdfparams: Record<string, unknown>;
    mac: string;
  };
}

/** The address a keystore claims (checksummed), without decrypting it; null when it names none. */
export function keystoreAddress(keystore: Pick<KeystoreV3, "address">): Address | null {
  try {
    return getAddress(`0x${keystore.address.replace(/^0x/i, "").toLowerCase()}`);
  } catch {
    return null;
  }
}
