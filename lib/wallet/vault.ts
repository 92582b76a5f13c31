/**
 * One encrypted wallet per network in localStorage. Reading never throws and never loses data: whatever is
 * stored that this version cannot use is reported with its raw text, and only an explicit reset of that very
 * text removes it.
 */
import { getAddress, isAddress, type Address } from "viem";
import { storageKeys } from "@/lib/browser/keys";
import { keystoreAddress, type KeystoreV3 } from "./keystore-format";

export const VAULT_VERSION = 1;

/** The part of the Web Storage API the vault uses, so tests can pass a stand-in. */
export type VaultStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export interface Vault {
  version: typeof VAULT_VERSION;
  address: Address;
  keystore: KeystoreV3;
  /** ISO 8601. */
  createdAt: string;
}

export type VaultRead =
  | { state: "empty" }
  | { state: "ok"; vault: Vault; raw: string }
  | { state: "corrupt"; raw: string; reason: string }
  | { state: "unknown-version"; raw: string; version: unknown };

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VaultError";
  }
}

export const vaultStorageKey = storageKeys.vault;

/** The chain id a storage key belongs to, or null for keys that are not vaults (for `storage` events). */
export function chainIdOfVaultKey(key: string | null): number | null {
  if (key === null || !key.startsWith(storageKeys.vaultPrefix)) return null;
  const id = Number(key.slice(storageKeys.vaultPrefix.length));
  return Number.isSafeInteger(id) ? id : null;
}

export function readVault(storage: VaultStorage, chainId: number): VaultRead {
  const raw = storage.getItem(vaultStorageKey(chainId));
  return raw === null ? { state: "empty" } : parseVault(raw);
}

/** Classifies stored text; pure, so a UI can memoise it on the raw string. */
export function parseVault(raw: string): VaultRead {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { state: "corrupt", raw, reason: "not valid JSON" };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { state: "corrupt", raw, reason: "not a JSON object" };
  }
  const record = data as Record<string, unknown>;
  if (record.version !== VAULT_VERSION) {
    // A number we do not know was probably written by a newer version of the app: keep it for that version.
    return typeof record.version === "number"
      ? { state: "unknown-version", raw, version: record.version }
      : { state: "corrupt", raw, reason: "no version number" };
  }
  const { address, keystore, createdAt } = record;
  if (typeof address !== "string" || !isAddress(address, { strict: false })) {
    return { state: "corrupt", raw, reason: "no valid address" };
  }
  if (!isKeystoreShape(keystore)) return { state: "corrupt", raw, reason: "no valid keystore" };
  const claimed = keystoreAddress(keystore);
  if (claimed !== null && claimed !== getAddress(address)) {
    return { state: "corrupt", raw, reason: "the address does not match the keystore" };
  }
  if (typeof createdAt !== "string" || Number.isNaN(Date.parse(createdAt))) {
    return { state: "corrupt", raw, reason: "no valid creation date" };
  }
  return { state: "ok", raw, vault: { version: VAULT_VERSION, address: getAddress(address), keystore, createdAt } };
}

/** Stores a new vault; refuses if anything (a wallet, or data we cannot read) is already there. */
export function createVault(storage: VaultStorage, chainId: number, keystore: KeystoreV3, now = new Date()): Vault {
  const address = keystoreAddress(keystore);
  if (address === null) throw new VaultError("The keystore names no address");
  // Re-read right before writing: another tab may have created a wallet while this one was encrypting.
  const current = readVault(storage, chainId);
  if (current.state !== "empty") {
    throw new VaultError(
      current.state === "ok"
        ? `A wallet (${current.vault.address}) already exists on this network`
        : "This network holds wallet data that cannot be read: export it, then reset, before creating a wallet",
    );
  }
  const vault: Vault = { version: VAULT_VERSION, address, keystore, createdAt: now.toISOString() };
  storage.setItem(vaultStorageKey(chainId), JSON.stringify(vault));
  return vault;
}

/**
 * Deletes the vault, but only if it still holds `expectedRaw` (the text the user saw and could export):
 * data changed by another tab in the meantime is never removed unseen.
 */
export function resetVault(storage: VaultStorage, chainId: number, expectedRaw: string): void {
  const key = vaultStorageKey(chainId);
  if (storage.getItem(key) !== expectedRaw) {
    throw new VaultError("The stored wallet data changed since it was shown: look at it again before resetting");
  }
  storage.removeItem(key);
}

function isKeystoreShape(value: unknown): value is KeystoreV3 {
  if (typeof value !== "object" || value === null) return false;
  const k = value as Record<string, unknown>;
  const crypto = k.crypto as Record<string, unknown> | undefined;
  return (
    k.version === 3 &&
    typeof k.address === "string" &&
    typeof crypto === "object" &&
    crypto !== null &&
    typeof crypto.ciphertext === "string" &&
    typeof crypto.mac === "string"
  );
}
