/** The per-network vault in (a stand-in for) localStorage: states, refusal to overwrite, guarded reset. */
import { describe, expect, it } from "vitest";
import { createPrivateKey, encryptKeystore } from "@/lib/wallet/keystore";
import { keystoreAddress } from "@/lib/wallet/keystore-format";
import { createVault, readVault, resetVault, vaultStorageKey, chainIdOfVaultKey } from "@/lib/wallet/vault";
import { MemoryStorage } from "../support/memory-storage";

const keystore = await encryptKeystore(createPrivateKey(), "password123", { scryptN: 1024 });
const address = keystoreAddress(keystore)!;

describe("vault", () => {
  it("is empty, then ok under a versioned key per network, with the other networks untouched", () => {
    const storage = new MemoryStorage();
    expect(readVault(storage, 31337)).toEqual({ state: "empty" });
    const vault = createVault(storage, 31337, keystore, new Date("2025-01-02T03:04:05Z"));
    expect(vault).toEqual({ version: 1, address, keystore, createdAt: "2025-01-02T03:04:05.000Z" });
    expect([...storage.items.keys()]).toEqual(["x402chat:vault:v1:31337"]);
    const read = readVault(storage, 31337);
    expect(read.state).toBe("ok");
    expect(read.state === "ok" && read.vault).toEqual(vault);
    expect(readVault(storage, 84532)).toEqual({ state: "empty" });
    expect(chainIdOfVaultKey(vaultStorageKey(84532))).toBe(84532);
    expect(chainIdOfVaultKey("x402chat:network:v1")).toBeNull();
  });

  it("never overwrites an existing wallet", () => {
    const storage = new MemoryStorage();
    createVault(storage, 31337, keystore);
    const before = storage.getItem(vaultStorageKey(31337));
    expect(() => createVault(storage, 31337, keystore)).toThrow(/already exists/);
    expect(storage.getItem(vaultStorageKey(31337))).toBe(before);
  });

  it("reports corrupt data with its raw text and refuses to overwrite it", () => {
    const cases: Array<[string, RegExp]> = [
      ["{not json", /not valid JSON/],
      ["42", /not a JSON object/],
      [JSON.stringify({ address, keystore }), /no version/],
      [JSON.stringify({ version: 1, address: "0x123", keystore, createdAt: "2025-01-01" }), /no valid address/],
      [JSON.stringify({ version: 1, address, keystore: { version: 3 }, createdAt: "2025-01-01" }), /no valid keystore/],
      [
        JSON.stringify({ version: 1, address: "0x" + "11".repeat(20), keystore, createdAt: "2025-01-01" }),
        /does not match/,
      ],
      [JSON.stringify({ version: 1, address, keystore, createdAt: "yesterday" }), /creation date/],
    ];
    for (const [raw, reason] of cases) {
      const storage = new MemoryStorage();
      storage.setItem(vaultStorageKey(31337), raw);
      const read = readVault(storage, 31337);
      expect(read).toMatchObject({ state: "corrupt", raw });
      expect(read.state === "corrupt" && read.reason).toMatch(reason);
      expect(() => createVault(storage, 31337, keystore)).toThrow(/cannot be read/);
      expect(storage.getItem(vaultStorageKey(31337))).toBe(raw);
    }
  });

  it("reports an unknown version with its raw text and keeps it", () => {
    const storage = new MemoryStorage();
    const raw = JSON.stringify({ version: 2, wallets: [] });
    storage.setItem(vaultStorageKey(8453), raw);
    expect(readVault(storage, 8453)).toEqual({ state: "unknown-version", raw, version: 2 });
    expect(() => createVault(storage, 8453, keystore)).toThrow(/cannot be read/);
    expect(storage.getItem(vaultStorageKey(8453))).toBe(raw);
  });

  it("resets only the data the user saw", () => {
    const storage = new MemoryStorage();
    storage.setItem(vaultStorageKey(31337), "garbage");
    expect(() => resetVault(storage, 31337, "other garbage")).toThrow(/changed since it was shown/);
    expect(storage.getItem(vaultStorageKey(31337))).toBe("garbage");
    resetVault(storage, 31337, "garbage");
    expect(readVault(storage, 31337)).toEqual({ state: "empty" });
    createVault(storage, 31337, keystore);
    expect(readVault(storage, 31337).state).toBe("ok");
  });
});
