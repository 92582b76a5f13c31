/**
 * Ethereum keystore v3 (the backup format geth and MetaMask import): make a key, encrypt it with a password,
 * decrypt it, and read a pasted private key. The crypto itself is @ethereumjs/wallet's; this module only
 * checks inputs and turns the library's errors into ones a user can act on. Runs in the browser and in node.
 */
import { Wallet } from "@ethereumjs/wallet";
import { bytesToHex, hexToBytes, isAddressEqual, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, privateKeyToAddress, type PrivateKeyAccount } from "viem/accounts";
import { z } from "zod";
import { MIN_PASSWORD_LENGTH, keystoreAddress, type KeystoreV3 } from "./keystore-format";

export type { KeystoreV3 };

/** scrypt N=2^17, r=8, p=1: geth's "standard" strength, ~0.5 s per encrypt or decrypt in Chromium. */
export const KEYSTORE_SCRYPT_N = 131_072;
/** Above this a file would freeze the tab (scrypt memory is 128 * N * r bytes): refuse it instead. */
const MAX_SCRYPT_N = 1 << 20;

export type KeystoreErrorCode = "wrong-password" | "malformed" | "unsupported" | "invalid-key" | "weak-password";

export class KeystoreError extends Error {
  constructor(
    readonly code: KeystoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "KeystoreError";
  }
}

export interface UnlockedKey {
  privateKey: Hex;
  address: Address;
}

export function createPrivateKey(): Hex {
  return generatePrivateKey();
}

/** The signing account of a key, for the session (lives in this module so the page loads secp256k1 on demand). */
export function accountOf(privateKey: Hex): PrivateKeyAccount {
  return privateKeyToAccount(privateKey);
}

/** A private key typed or pasted by a user: 64 hex digits, with or without 0x, surrounding spaces ignored. */
export function parsePrivateKey(input: string): UnlockedKey {
  const trimmed = input.trim();
  const hex = (trimmed.startsWith("0x") || trimmed.startsWith("0X") ? trimmed.slice(2) : trimmed).toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new KeystoreError("invalid-key", "A private key is 64 hexadecimal digits (with or without 0x)");
  }
  const privateKey = `0x${hex}` as Hex;
  try {
    return { privateKey, address: privateKeyToAddress(privateKey) };
  } catch {
    // Zero or not below the curve order.
    throw new KeystoreError("invalid-key", "This is not a valid secp256k1 private key");
  }
}

/** Encrypts a key; `scryptN` below the default is for tests only. */
export async function encryptKeystore(
  privateKey: Hex,
  password: string,
  opts: { scryptN?: number } = {},
): Promise<KeystoreV3> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new KeystoreError("weak-password", `The password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const { privateKey: key } = parsePrivateKey(privateKey);
  const wallet = Wallet.fromPrivateKey(hexToBytes(key));
  const json = await wallet.toV3(password, { kdf: "scrypt", n: opts.scryptN ?? KEYSTORE_SCRYPT_N, r: 8, p: 1 });
  return WrittenKeystoreSchema.parse(json);
}

/** What the library writes: v3 with `address`, which its typings leave out although it always sets it. */
const WrittenKeystoreSchema: z.ZodType<KeystoreV3> = z.object({
  version: z.literal(3),
  id: z.string(),
  address: z.string().regex(/^[0-9a-f]{40}$/),
  crypto: z.object({
    cipher: z.string(),
    cipherparams: z.object({ iv: z.string() }),
    ciphertext: z.string(),
    kdf: z.string(),
    kdfparams: z.record(z.unknown()),
    mac: z.string(),
  }),
});

/**
 * Reads a keystore (a JSON string, e.g. a file's text, or the parsed object) and decrypts it. Accepts what
 * other wallets write: scrypt or PBKDF2-HMAC-SHA256, AES-128-CTR, and the old capitalised `Crypto` key.
 */
export async function decryptKeystore(input: string | unknown, password: string): Promise<UnlockedKey> {
  const json = normalize(typeof input === "string" ? parseJson(input) : input);
  let wallet: Wallet;
  try {
    wallet = await Wallet.fromV3(json as never, password);
  } catch (err) {
    if (/wrong passphrase/i.test((err as Error).message)) throw new KeystoreError("wrong-password", "Wrong password");
    throw new KeystoreError("malformed", `The keystore could not be read: ${(err as Error).message}`);
  }
  const privateKey = bytesToHex(wallet.getPrivateKey());
  const address = privateKeyToAddress(privateKey);
  // A file whose address disagrees with its key was edited or damaged: using it would show the wrong account.
  if (typeof json.address === "string" && json.address !== "" && !sameAddress(json.address, address)) {
    throw new KeystoreError("malformed", "The keystore's address does not match its key");
  }
  return { privateKey, address };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new KeystoreError("malformed", "This is not a keystore file (not valid JSON)");
  }
}

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === "object" && v !== null && !Array.isArray(v);
const isHex = (v: unknown): v is string => typeof v === "string" && /^(0x)?[0-9a-fA-F]+$/.test(v);

/** Checks the shape before the library sees it (its own errors are TypeErrors on missing fields). */
function normalize(json: unknown): Loose {
  if (!isObject(json)) throw new KeystoreError("malformed", "This is not a keystore file (not a JSON object)");
  if (json.version !== 3) {
    throw new KeystoreError("unsupported", `Only version 3 keystores are supported (this one is ${String(json.version)})`);
  }
  const crypto = json.crypto ?? json.Crypto;
  if (!isObject(crypto)) throw new KeystoreError("malformed", "The keystore has no `crypto` section");
  if (crypto.cipher !== "aes-128-ctr") {
    throw new KeystoreError("unsupported", `Unsupported cipher: ${String(crypto.cipher)} (only aes-128-ctr)`);
  }
  const params = crypto.kdfparams;
  if (!isObject(params)) throw new KeystoreError("malformed", "The keystore has no `kdfparams`");
  if (crypto.kdf === "scrypt") {
    const { n, r, p } = params;
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(r) || !Number.isSafeInteger(p)) {
      throw new KeystoreError("malformed", "The keystore's scrypt parameters are missing");
    }
    if ((n as number) > MAX_SCRYPT_N || (r as number) * (p as number) > 64) {
      throw new KeystoreError("unsupported", "The keystore's scrypt parameters are too costly to decrypt here");
    }
  } else if (crypto.kdf === "pbkdf2") {
    if (params.prf !== "hmac-sha256") {
      throw new KeystoreError("unsupported", `Unsupported PBKDF2 function: ${String(params.prf)}`);
    }
  } else {
    throw new KeystoreError("unsupported", `Unsupported key derivation function: ${String(crypto.kdf)}`);
  }
  const ivs = crypto.cipherparams;
  if (!isHex(crypto.ciphertext) || !isHex(crypto.mac) || !isHex(params.salt) || !isObject(ivs) || !isHex(ivs.iv)) {
    throw new KeystoreError("malformed", "The keystore's ciphertext, MAC, salt or IV is missing or not hex");
  }
  // The library compares the MAC as lower-case hex without 0x; other writers are not always that strict.
  const unprefixed = (s: string) => s.replace(/^0x/, "").toLowerCase();
  return {
    ...json,
    crypto: {
      ...crypto,
      ciphertext: unprefixed(crypto.ciphertext),
      mac: unprefixed(crypto.mac),
      cipherparams: { iv: unprefixed(ivs.iv) },
      kdfparams: { ...params, salt: unprefixed(params.salt) },
    },
  };
}

function sameAddress(claimed: string, actual: Address): boolean {
  const address = keystoreAddress({ address: claimed });
  return address !== null && isAddressEqual(address, actual);
}
