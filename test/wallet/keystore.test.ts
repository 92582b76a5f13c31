/** The keystore: round trips, errors a user can act on, and interop with ethers' implementation. */
import { decryptKeystoreJson, encryptKeystoreJson } from "ethers";
import { privateKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  KEYSTORE_SCRYPT_N,
  createPrivateKey,
  decryptKeystore,
  encryptKeystore,
  parsePrivateKey,
  prepareKeystore,
  scryptNToKeep,
  type KeystoreV3,
} from "@/lib/wallet/keystore";

// Unit tests use a cheap scrypt N so they stay fast; one test below uses the real N.
const FAST = { scryptN: 1024 };
const PASSWORD = "correct horse battery";

describe("encryptKeystore / decryptKeystore", () => {
  it("round-trips a fresh key and writes the v3 format geth and MetaMask read", async () => {
    const key = createPrivateKey();
    const keystore = await encryptKeystore(key, PASSWORD, FAST);
    const text = JSON.stringify(keystore);
    expect(Object.keys(keystore)).toContain("crypto");
    expect(text).not.toMatch(/"Crypto"/);
    expect(keystore.version).toBe(3);
    expect(keystore.crypto).toMatchObject({ cipher: "aes-128-ctr", kdf: "scrypt", kdfparams: { n: 1024, r: 8, p: 1, dklen: 32 } });
    expect(`0x${keystore.address}`).toBe(privateKeyToAddress(key).toLowerCase());
    expect(text).not.toContain(key.slice(2));

    expect(await decryptKeystore(text, PASSWORD)).toEqual({ privateKey: key, address: privateKeyToAddress(key) });
  });

  it("writes scrypt N=2^16, r=8, p=1 by default (unlock ≤ 300 ms), and decrypts at that strength", async () => {
    const key = createPrivateKey();
    const keystore = await encryptKeystore(key, PASSWORD);
    expect(keystore.crypto.kdfparams).toMatchObject({ n: 65536, r: 8, p: 1, dklen: 32 });
    expect(KEYSTORE_SCRYPT_N).toBe(2 ** 16);
    expect((await decryptKeystore(keystore, PASSWORD)).privateKey).toBe(key);
  });

  it("still reads a vault written at N=2^17 (this app's earlier strength, and what ethers and geth write)", async () => {
    const key = createPrivateKey();
    const keystore = await encryptKeystore(key, PASSWORD, { scryptN: 2 ** 17 });
    expect(keystore.crypto.kdfparams).toMatchObject({ n: 131072 });
    expect((await decryptKeystore(keystore, PASSWORD)).privateKey).toBe(key);
  });

  it("keeps a file's password at no weaker a strength than the file had", async () => {
    const key = createPrivateKey();
    const at = async (scryptN: number) => JSON.stringify(await encryptKeystore(key, PASSWORD, { scryptN }));
    const strong = await at(2 ** 17);
    expect(scryptNToKeep(strong)).toBe(2 ** 17);
    expect(scryptNToKeep(JSON.parse(strong))).toBe(2 ** 17);
    expect(scryptNToKeep(await at(1024))).toBe(KEYSTORE_SCRYPT_N);
    const pbkdf2 = { version: 3, crypto: { cipher: "aes-128-ctr", cipherparams: { iv: "00" }, ciphertext: "00", kdf: "pbkdf2", kdfparams: { c: 262144, prf: "hmac-sha256", salt: "00" }, mac: "00" } };
    expect(scryptNToKeep(pbkdf2)).toBe(KEYSTORE_SCRYPT_N);
  });

  it("prepares the KDF (loads and compiles its WebAssembly) without a password", async () => {
    await expect(prepareKeystore()).resolves.toBeUndefined();
  });

  it("says 'Wrong password' for a wrong password", async () => {
    const keystore = await encryptKeystore(createPrivateKey(), PASSWORD, FAST);
    await expect(decryptKeystore(keystore, "not the password")).rejects.toMatchObject({
      code: "wrong-password",
      message: "Wrong password",
    });
  });

  it("refuses a password shorter than 8 characters", async () => {
    await expect(encryptKeystore(createPrivateKey(), "short", FAST)).rejects.toMatchObject({ code: "weak-password" });
  });

  it("explains malformed JSON, unsupported KDF or cipher, and a tampered address", async () => {
    const keystore = await encryptKeystore(createPrivateKey(), PASSWORD, FAST);
    const variant = (change: (k: KeystoreV3) => void) => {
      const copy = structuredClone(keystore);
      change(copy);
      return JSON.stringify(copy);
    };
    await expect(decryptKeystore("{not json", PASSWORD)).rejects.toMatchObject({ code: "malformed", message: /not valid JSON/ });
    await expect(decryptKeystore("[1,2]", PASSWORD)).rejects.toMatchObject({ code: "malformed" });
    await expect(decryptKeystore(variant((k) => ((k as { version: number }).version = 1)), PASSWORD)).rejects.toMatchObject({
      code: "unsupported",
    });
    await expect(decryptKeystore(variant((k) => (k.crypto.kdf = "argon2")), PASSWORD)).rejects.toMatchObject({
      code: "unsupported",
      message: /key derivation function: argon2/,
    });
    await expect(decryptKeystore(variant((k) => (k.crypto.cipher = "aes-128-cbc")), PASSWORD)).rejects.toMatchObject({
      code: "unsupported",
      message: /cipher: aes-128-cbc/,
    });
    await expect(decryptKeystore(variant((k) => (k.crypto.kdfparams.n = 2 ** 24)), PASSWORD)).rejects.toMatchObject({
      code: "unsupported",
    });
    await expect(decryptKeystore(variant((k) => (k.crypto.ciphertext = "zz")), PASSWORD)).rejects.toMatchObject({
      code: "malformed",
    });
    const other = privateKeyToAddress(createPrivateKey()).slice(2).toLowerCase();
    await expect(decryptKeystore(variant((k) => (k.address = other)), PASSWORD)).rejects.toMatchObject({
      code: "malformed",
      message: /address does not match/,
    });
  });
});

describe("interop with ethers", () => {
  it("a keystore made here decrypts with ethers' decryptKeystoreJson", async () => {
    const key = createPrivateKey();
    const keystore = await encryptKeystore(key, PASSWORD, FAST);
    const account = await decryptKeystoreJson(JSON.stringify(keystore), PASSWORD);
    expect(account.privateKey).toBe(key);
    expect(account.address).toBe(privateKeyToAddress(key));
  });

  it("a keystore made by ethers' encryptKeystoreJson imports here", async () => {
    const key = createPrivateKey();
    const address = privateKeyToAddress(key);
    const json = await encryptKeystoreJson({ address, privateKey: key }, PASSWORD, { scrypt: { N: 1024 } });
    expect(await decryptKeystore(json, PASSWORD)).toEqual({ privateKey: key, address });
    await expect(decryptKeystore(json, "wrong password!")).rejects.toMatchObject({ code: "wrong-password" });
  });
});

describe("interop with geth", () => {
  // The Web3 Secret Storage definition's test vectors (what geth writes), password "testpassword".
  const KEY = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
  const vector = (cipherparams: object, ciphertext: string, kdf: string, kdfparams: object, mac: string) =>
    JSON.stringify({ crypto: { cipher: "aes-128-ctr", cipherparams, ciphertext, kdf, kdfparams, mac }, id: "3198bc9c-6672-5ab3-d995-4942343ae5b6", version: 3 });

  it("decrypts the scrypt and PBKDF2 vectors", async () => {
    const scrypt = vector(
      { iv: "83dbcc02d8ccb40e466191a123791e0e" },
      "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
      "scrypt",
      { dklen: 32, n: 262144, r: 1, p: 8, salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19" },
      "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
    );
    const pbkdf2 = vector(
      { iv: "6087dab2f9fdbbfaddc31a909735c1e6" },
      "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
      "pbkdf2",
      { c: 262144, dklen: 32, prf: "hmac-sha256", salt: "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd" },
      "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
    );
    for (const json of [scrypt, pbkdf2]) {
      expect(await decryptKeystore(json, "testpassword")).toEqual({ privateKey: KEY, address: privateKeyToAddress(KEY) });
      await expect(decryptKeystore(json, "testpassword!")).rejects.toMatchObject({ code: "wrong-password" });
    }
  });
});

describe("parsePrivateKey", () => {
  it("accepts 64 hex digits with or without 0x, in any case, and gives the address", () => {
    const key = createPrivateKey();
    const expected = { privateKey: key, address: privateKeyToAddress(key) };
    expect(parsePrivateKey(key)).toEqual(expected);
    expect(parsePrivateKey(`  ${key.slice(2).toUpperCase()}\n`)).toEqual(expected);
  });

  it("rejects wrong lengths, non-hex and keys outside the curve order", () => {
    expect(() => parsePrivateKey("0x1234")).toThrow(/64 hexadecimal digits/);
    expect(() => parsePrivateKey(`0x${"g".repeat(64)}`)).toThrow(/64 hexadecimal digits/);
    expect(() => parsePrivateKey(`0x${"0".repeat(64)}`)).toThrow(/not a valid secp256k1/);
    expect(() => parsePrivateKey(`0x${"f".repeat(64)}`)).toThrow(/not a valid secp256k1/);
  });
});
