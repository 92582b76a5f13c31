/**
 * Ethereum keystore v3 (the backup format geth and MetaMask import): make a key, encrypt it with a password,
 * decrypt it, and read a pasted private key. The KDF is hash-wasm's WebAssembly scrypt (about 3× faster than a JS
 * scrypt in Chromium: the unlock the user waits for), AES-128-CTR is @noble/ciphers', the MAC keccak256, as in
 * the Web3 Secret Storage definition. Runs in the browser and in node; the page loads this module on demand.
 */
import { ctr } from "@noble/ciphers/aes";
import { createSHA256, pbkdf2, scrypt } from "hash-wasm";
import { bytesToHex, concatBytes, hexToBytes, isAddressEqual, keccak256, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, privateKeyToAddress, type PrivateKeyAccount } from "viem/accounts";
import { z } from "zod";
import { MIN_PASSWORD_LENGTH, keystoreAddress, type KeystoreV3 } from "./keystore-format";

export type { KeystoreV3 };

/**
 * scrypt N=2^16, r=8, p=1 (64 MiB) for the vaults this app writes: about 0.25 s per encrypt or decrypt in Chromium,
 * where geth's "standard" 2^17 takes about 0.5 s, twice the unlock budget (issue 17). Still memory-hard; files and
 * vaults written at another N (ethers and geth write 2^17) are read at theirs, and never re-encrypted weaker.
 */
export const KEYSTORE_SCRYPT_N = 65_536;
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

/**
 * Loads what a decrypt needs before the user asks for one: the page imports this module and calls this when the
 * unlock form shows, so the click pays only the KDF. A whole round trip at N=2 compiles and caches hash-wasm's
 * WebAssembly modules (scrypt, and SHA-256 for its PBKDF2 steps), and makes the first-use work of the rest happen
 * now: secp256k1's precomputed tables for G (its first point multiplication in a page takes tens of ms), AES's
 * tables, keccak, the schema.
 */
export async function prepareKeystore(): Promise<void> {
  const password = "x".repeat(MIN_PASSWORD_LENGTH);
  const { privateKey } = await decryptKeystore(await encryptKeystore(createPrivateKey(), password, { scryptN: 2 }), password);
  accountOf(privateKey);
}

/**
 * The scrypt N to store a key under the password of the keystore file it was read from: ours, or the file's if that
 * is higher, so keeping a file's password never keeps it at a weaker strength than the file had.
 */
export function scryptNToKeep(input: string | unknown): number {
  const section = normalize(typeof input === "string" ? parseJson(input) : input).crypto as Loose;
  const n = section.kdf === "scrypt" ? ((section.kdfparams as Loose).n as number) : 0;
  return Math.max(KEYSTORE_SCRYPT_N, n);
}

/** Encrypts a key at `scryptN` (default KEYSTORE_SCRYPT_N; below it for tests only). */
export async function encryptKeystore(
  privateKey: Hex,
  password: string,
  opts: { scryptN?: number } = {},
): Promise<KeystoreV3> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new KeystoreError("weak-password", `The password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const { privateKey: key, address } = parsePrivateKey(privateKey);
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const kdfparams = { dklen: 32, n: opts.scryptN ?? KEYSTORE_SCRYPT_N, r: 8, p: 1, salt: unprefixed(salt) };
  const derived = await deriveKey("scrypt", kdfparams, password);
  const ciphertext = ctr(derived.subarray(0, 16), iv).encrypt(hexToBytes(key));
  return WrittenKeystoreSchema.parse({
    version: 3,
    id: uuidV4(),
    address: address.slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: unprefixed(iv) },
      ciphertext: unprefixed(ciphertext),
      kdf: "scrypt",
      kdfparams,
      mac: unprefixed(macOf(derived, ciphertext)),
    },
  });
}

const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const unprefixed = (bytes: Uint8Array) => bytesToHex(bytes).slice(2);
const fromHex = (hex: string) => hexToBytes(`0x${hex}`);

/** keccak256(derivedKey[16..32] ‖ ciphertext), as v3 defines it. */
const macOf = (derived: Uint8Array, ciphertext: Uint8Array) => keccak256(concatBytes([derived.subarray(16, 32), ciphertext]), "bytes");

/** A random (v4) UUID; crypto.randomUUID exists only in secure contexts, a LAN address over http is not one. */
function uuidV4(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = unprefixed(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The derived key of scrypt or PBKDF2-HMAC-SHA256 (parameters checked by normalize()); the password as UTF-8. */
async function deriveKey(kdf: string, params: Loose, password: string): Promise<Uint8Array> {
  const salt = fromHex(params.salt as string);
  const hashLength = (params.dklen as number | undefined) ?? 32;
  if (kdf === "scrypt") {
    return scrypt({
      password,
      salt,
      costFactor: params.n as number,
      blockSize: params.r as number,
      parallelism: params.p as number,
      hashLength,
      outputType: "binary",
    });
  }
  return pbkdf2({ password, salt, iterations: params.c as number, hashLength, hashFunction: createSHA256(), outputType: "binary" });
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
  const section = json.crypto as Loose;
  const ciphertext = fromHex(section.ciphertext as string);
  let derived: Uint8Array;
  try {
    derived = await deriveKey(section.kdf as string, section.kdfparams as Loose, password);
  } catch (err) {
    throw new KeystoreError("malformed", `The keystore could not be read: ${(err as Error).message}`);
  }
  if (unprefixed(macOf(derived, ciphertext)) !== section.mac) throw new KeystoreError("wrong-password", "Wrong password");
  const seed = ctr(derived.subarray(0, 16), fromHex((section.cipherparams as Loose).iv as string)).decrypt(ciphertext);
  if (seed.length !== 32) throw new KeystoreError("malformed", "The keystore's key is not 32 bytes");
  const privateKey = bytesToHex(seed);
  let address: Address;
  try {
    address = privateKeyToAddress(privateKey);
  } catch {
    throw new KeystoreError("malformed", "The keystore's key is not a valid secp256k1 private key");
  }
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

/** Checks the shape, and puts the hex fields in one form: lower case, no 0x (the MAC is compared as text). */
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
    if (!Number.isSafeInteger(params.c) || (params.c as number) < 1) {
      throw new KeystoreError("malformed", "The keystore's PBKDF2 iteration count is missing");
    }
  } else {
    throw new KeystoreError("unsupported", `Unsupported key derivation function: ${String(crypto.kdf)}`);
  }
  if (params.dklen !== undefined && (!Number.isSafeInteger(params.dklen) || (params.dklen as number) < 32 || (params.dklen as number) > 64)) {
    throw new KeystoreError("malformed", "The keystore's derived key length must be 32 to 64 bytes");
  }
  const ivs = crypto.cipherparams;
  if (!isHex(crypto.ciphertext) || !isHex(crypto.mac) || !isHex(params.salt) || !isObject(ivs) || !isHex(ivs.iv)) {
    throw new KeystoreError("malformed", "The keystore's ciphertext, MAC, salt or IV is missing or not hex");
  }
  // Other writers are not always strict about case or a 0x prefix; an odd length is not hex bytes at all.
  const plain = (s: string) => {
    const hex = s.replace(/^0x/, "").toLowerCase();
    if (hex.length % 2 !== 0) throw new KeystoreError("malformed", "The keystore's ciphertext, MAC, salt or IV is not whole bytes");
    return hex;
  };
  return {
    ...json,
    crypto: {
      ...crypto,
      ciphertext: plain(crypto.ciphertext),
      mac: plain(crypto.mac),
      cipherparams: { iv: plain(ivs.iv) },
      kdfparams: { ...params, salt: plain(params.salt) },
    },
  };
}

function sameAddress(claimed: string, actual: Address): boolean {
  const address = keystoreAddress({ address: claimed });
  return address !== null && isAddressEqual(address, actual);
}
