/**
 * prepareKeystore (run while the unlock form shows) leaves the click only the KDF: the first-use work of what a
 * decrypt touches happens before it. Checked on secp256k1's precomputed tables for G (its first point
 * multiplication in a process or page builds them: ~80 ms in node, tens of ms in Chromium, inside the user's wait
 * if left to the click). Its own file: the process must not have used secp256k1 before the test starts.
 */
import { Session } from "node:inspector/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountOf, decryptKeystore, prepareKeystore } from "@/lib/wallet/keystore";

// Written at N=2 by encryptKeystore, so the test makes no key of its own (that would build the tables first).
const VAULT = {
  version: 3,
  id: "67dc7b2f-1550-462b-84e1-557d8e3ef08d",
  address: "2c7536e3605d9c16a7a3d7b1898e529396a65c23",
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "6cb0f91f62cb43f7a7bd5879887be792" },
    ciphertext: "b8863e5307139916d2415ad2e679d47d7762b8031c0d31174c2b952f413d350d",
    kdf: "scrypt",
    kdfparams: { dklen: 32, n: 2, r: 8, p: 1, salt: "3114a452c7e2a5641b824e67c8be7934207e60cd9aba794fa37652c3558495bf" },
    mac: "cf4572a20a2421094cb01f2e9ff6b1fbfbb6960aea9383b77f8ad89d7b0b51d9",
  },
};
const PASSWORD = "prepare test password";

/** Calls of functions named `name` since the last take (taking resets the counters). */
async function callsOf(session: Session, name: string): Promise<number> {
  const { result } = await session.post("Profiler.takePreciseCoverage");
  return result
    .flatMap((script) => script.functions)
    .filter((fn) => fn.functionName === name)
    .reduce((sum, fn) => sum + (fn.ranges[0]?.count ?? 0), 0);
}

describe("prepareKeystore", () => {
  const session = new Session();
  beforeAll(async () => {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: false });
  });
  afterAll(async () => {
    await session.post("Profiler.stopPreciseCoverage");
    session.disconnect();
  });

  it("builds secp256k1's tables before the unlock, which then builds none", async () => {
    await callsOf(session, "precomputeWindow");
    await prepareKeystore();
    expect(await callsOf(session, "precomputeWindow")).toBeGreaterThan(0);

    const { privateKey, address } = await decryptKeystore(VAULT, PASSWORD);
    expect(accountOf(privateKey).address).toBe(address);
    expect(await callsOf(session, "precomputeWindow")).toBe(0);
  });
});
