/**
 * LocalUSDC on a real anvil, driven with real EIP-712 signatures from fresh keys, through the ABI that
 * EIP-3009 and EIP-2612 define (not the one compiled from our source, so a signature drift would show).
 */
import { randomBytes } from "node:crypto";
import { authorizationTypes } from "@x402/evm";
import {
  createPublicClient,
  createWalletClient,
  hashDomain,
  http,
  parseAbi,
  parseEther,
  parseEventLogs,
  parseSignature,
  toHex,
  type Address,
  type Hex,
  type PrivateKeyAccount,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { beforeAll, describe, expect, it } from "vitest";
import { fundLocalAccount } from "../../lib/devchain";
import { receiveWithAuthorization } from "../../lib/x402/shared/eip3009";
import { testChainFixture } from "../support/fixtures";

const usdcAbi = parseAbi([
  "function name() view returns (string)",
  "function symbol() view returns (string)",
  "function version() view returns (string)",
  "function decimals() view returns (uint8)",
  "function DOMAIN_SEPARATOR() view returns (bytes32)",
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address account) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function transferFrom(address from, address to, uint256 value) returns (bool)",
  "function mint(address to, uint256 amount)",
  "function authorizationState(address authorizer, bytes32 nonce) view returns (bool)",
  "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)",
  "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature)",
  "function receiveWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)",
  "function receiveWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature)",
  "function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)",
  "function cancelAuthorization(address authorizer, bytes32 nonce, bytes signature)",
  "function nonces(address owner) view returns (uint256)",
  "function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)",
  "event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)",
  "event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce)",
]);

const eip712DomainFields = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
] as const;
/** EIP-3009's authorizations as the SDK signs them (one field list, two primary types), then its cancel and EIP-2612's permit. */
const types = {
  ...authorizationTypes,
  ...receiveWithAuthorization.types,
  CancelAuthorization: [
    { name: "authorizer", type: "address" },
    { name: "nonce", type: "bytes32" },
  ],
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** Order of secp256k1: n - s is the other, "high" s that ecrecover also accepts (EIP-2 forbids it). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

interface Authorization {
  from: Address;
  to: Address;
  value: bigint;
  validAfter: bigint;
  validBefore: bigint;
  nonce: Hex;
}

const anvil = testChainFixture();
let usdc: Address;
const payer = privateKeyToAccount(generatePrivateKey());
const payee = privateKeyToAccount(generatePrivateKey()).address;
const relayerAccount = privateKeyToAccount(generatePrivateKey());

function clients() {
  const transport = http(anvil.rpcUrl);
  return {
    publicClient: createPublicClient({ chain: foundry, transport, pollingInterval: 50 }),
    relayer: createWalletClient({ chain: foundry, transport, account: relayerAccount }),
  };
}
let publicClient: ReturnType<typeof clients>["publicClient"];
let relayer: ReturnType<typeof clients>["relayer"];

beforeAll(async () => {
  usdc = anvil.deployment.usdc;
  ({ publicClient, relayer } = clients());
  // The payer gets USDC only: EIP-3009 is gasless for the signer; the relayer (a facilitator) pays gas.
  await fundLocalAccount(anvil.rpcUrl, payer.address, { usdc: 1_000_000000n, eth: 0n });
  await fundLocalAccount(anvil.rpcUrl, relayerAccount.address, { usdc: 0n, eth: parseEther("10") });
});

const domain = () => ({ name: "USD Coin", version: "2", chainId: foundry.id, verifyingContract: usdc });
const randomNonce = (): Hex => toHex(randomBytes(32));
const balanceOf = (account: Address) =>
  publicClient.readContract({ address: usdc, abi: usdcAbi, functionName: "balanceOf", args: [account] });
const authorizationState = (nonce: Hex) =>
  publicClient.readContract({
    address: usdc,
    abi: usdcAbi,
    functionName: "authorizationState",
    args: [payer.address, nonce],
  });

async function chainTime(): Promise<bigint> {
  return (await publicClient.getBlock()).timestamp;
}

/** A payer-signed authorization valid for the next hour, with overrides. */
async function authorize(
  overrides: Partial<Authorization> = {},
  { signer = payer, primaryType = "TransferWithAuthorization" as "TransferWithAuthorization" | "ReceiveWithAuthorization" } = {},
): Promise<{ message: Authorization; signature: Hex }> {
  const message: Authorization = {
    from: payer.address,
    to: payee,
    value: 1_250000n,
    validAfter: 0n,
    validBefore: (await chainTime()) + 3600n,
    nonce: randomNonce(),
    ...overrides,
  };
  const signature = await signer.signTypedData({ domain: domain(), types, primaryType, message });
  return { message, signature };
}

function splitSignature(signature: Hex): { v: number; r: Hex; s: Hex } {
  const { v, r, s } = parseSignature(signature);
  return { v: Number(v), r, s };
}

async function transferWithVrs({ message: m, signature }: { message: Authorization; signature: Hex }) {
  const { v, r, s } = splitSignature(signature);
  const hash = await relayer.writeContract({
    address: usdc,
    abi: usdcAbi,
    functionName: "transferWithAuthorization",
    args: [m.from, m.to, m.value, m.validAfter, m.validBefore, m.nonce, v, r, s],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

async function signCancel(nonce: Hex, signer: PrivateKeyAccount = payer): Promise<Hex> {
  return signer.signTypedData({
    domain: domain(),
    types,
    primaryType: "CancelAuthorization",
    message: { authorizer: payer.address, nonce },
  });
}

describe("LocalUSDC", () => {
  it("is a 6-decimal USD Coin whose DOMAIN_SEPARATOR is the EIP-712 hash of its domain", async () => {
    const read = <F extends "name" | "symbol" | "version" | "decimals" | "DOMAIN_SEPARATOR">(functionName: F) =>
      publicClient.readContract({ address: usdc, abi: usdcAbi, functionName });
    expect(await read("name")).toBe("USD Coin");
    expect(await read("symbol")).toBe("USDC");
    expect(await read("version")).toBe("2");
    expect(await read("decimals")).toBe(6);
    const expected = hashDomain({
      domain: { ...domain(), chainId: BigInt(foundry.id) },
      types: { EIP712Domain: eip712DomainFields },
    });
    expect(await read("DOMAIN_SEPARATOR")).toBe(expected);
  });

  it("lets only the owner mint", async () => {
    await expect(
      relayer.writeContract({ address: usdc, abi: usdcAbi, functionName: "mint", args: [relayerAccount.address, 1n] }),
    ).rejects.toThrow(/caller is not the owner/);

    const supplyBefore = await publicClient.readContract({ address: usdc, abi: usdcAbi, functionName: "totalSupply" });
    await fundLocalAccount(anvil.rpcUrl, payee, { usdc: 7_000000n, eth: 0n });
    const supplyAfter = await publicClient.readContract({ address: usdc, abi: usdcAbi, functionName: "totalSupply" });
    expect(supplyAfter - supplyBefore).toBe(7_000000n);
  });

  describe("transferWithAuthorization", () => {
    it("moves exactly the signed value, marks the nonce used and costs the signer no gas", async () => {
      const auth = await authorize();
      const [payerBefore, payeeBefore] = [await balanceOf(payer.address), await balanceOf(payee)];
      expect(await authorizationState(auth.message.nonce)).toBe(false);

      const receipt = await transferWithVrs(auth);

      expect(await balanceOf(payer.address)).toBe(payerBefore - auth.message.value);
      expect(await balanceOf(payee)).toBe(payeeBefore + auth.message.value);
      expect(await authorizationState(auth.message.nonce)).toBe(true);
      const [used] = parseEventLogs({ abi: usdcAbi, eventName: "AuthorizationUsed", logs: receipt.logs });
      expect(used?.args).toEqual({ authorizer: payer.address, nonce: auth.message.nonce });
      expect(await publicClient.getBalance({ address: payer.address })).toBe(0n);
    });

    it("accepts the bytes-signature overload", async () => {
      const { message: m, signature } = await authorize({ value: 42n });
      const payeeBefore = await balanceOf(payee);
      const hash = await relayer.writeContract({
        address: usdc,
        abi: usdcAbi,
        functionName: "transferWithAuthorization",
        args: [m.from, m.to, m.value, m.validAfter, m.validBefore, m.nonce, signature],
      });
      expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
      expect(await balanceOf(payee)).toBe(payeeBefore + 42n);
    });

    it("rejects a nonce that was already used", async () => {
      const auth = await authorize();
      await transferWithVrs(auth);
      await expect(transferWithVrs(auth)).rejects.toThrow(/authorization is used or canceled/);
    });

    it("rejects an expired authorization", async () => {
      const auth = await authorize({ validBefore: (await chainTime()) - 60n });
      await expect(transferWithVrs(auth)).rejects.toThrow(/authorization is expired/);
    });

    it("rejects an authorization that is not yet valid", async () => {
      const auth = await authorize({ validAfter: (await chainTime()) + 3600n });
      await expect(transferWithVrs(auth)).rejects.toThrow(/authorization is not yet valid/);
    });

    it("rejects a signature by anyone but `from`", async () => {
      const auth = await authorize({}, { signer: privateKeyToAccount(generatePrivateKey()) });
      await expect(transferWithVrs(auth)).rejects.toThrow(/invalid signature/);
    });

    it("rejects a malleable (high-s) signature and a v other than 27 or 28", async () => {
      const auth = await authorize();
      const { v, r, s } = splitSignature(auth.signature);
      const m = auth.message;
      const send = (sig: { v: number; s: Hex }) =>
        relayer.writeContract({
          address: usdc,
          abi: usdcAbi,
          functionName: "transferWithAuthorization",
          args: [m.from, m.to, m.value, m.validAfter, m.validBefore, m.nonce, sig.v, r, sig.s],
        });
      // The same signature mirrored: ecrecover still returns the payer, so only the s check stops it.
      const highS = toHex(SECP256K1_N - BigInt(s), { size: 32 });
      await expect(send({ v: v === 27 ? 28 : 27, s: highS })).rejects.toThrow(/invalid signature 's' value/);
      await expect(send({ v: v + 2, s })).rejects.toThrow(/invalid signature 'v' value/);
      expect(await authorizationState(m.nonce)).toBe(false);
    });
  });

  describe("receiveWithAuthorization", () => {
    it("can only be submitted by the payee, in both overloads", async () => {
      const toSomeoneElse = await authorize({}, { primaryType: "ReceiveWithAuthorization" });
      const m = toSomeoneElse.message;
      const { v, r, s } = splitSignature(toSomeoneElse.signature);
      await expect(
        relayer.writeContract({
          address: usdc,
          abi: usdcAbi,
          functionName: "receiveWithAuthorization",
          args: [m.from, m.to, m.value, m.validAfter, m.validBefore, m.nonce, v, r, s],
        }),
      ).rejects.toThrow(/caller must be the payee/);

      const toRelayer = await authorize({ to: relayerAccount.address }, { primaryType: "ReceiveWithAuthorization" });
      const before = await balanceOf(relayerAccount.address);
      const n = toRelayer.message;
      const hash = await relayer.writeContract({
        address: usdc,
        abi: usdcAbi,
        functionName: "receiveWithAuthorization",
        args: [n.from, n.to, n.value, n.validAfter, n.validBefore, n.nonce, toRelayer.signature],
      });
      expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
      expect(await balanceOf(relayerAccount.address)).toBe(before + n.value);
    });

    it("does not accept a TransferWithAuthorization signature", async () => {
      const auth = await authorize({ to: relayerAccount.address });
      const m = auth.message;
      await expect(
        relayer.writeContract({
          address: usdc,
          abi: usdcAbi,
          functionName: "receiveWithAuthorization",
          args: [m.from, m.to, m.value, m.validAfter, m.validBefore, m.nonce, auth.signature],
        }),
      ).rejects.toThrow(/invalid signature/);
    });
  });

  describe("cancelAuthorization", () => {
    it("burns the nonce so the authorization can no longer be used", async () => {
      const auth = await authorize();
      const { v, r, s } = splitSignature(await signCancel(auth.message.nonce));
      const hash = await relayer.writeContract({
        address: usdc,
        abi: usdcAbi,
        functionName: "cancelAuthorization",
        args: [payer.address, auth.message.nonce, v, r, s],
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      const [canceled] = parseEventLogs({ abi: usdcAbi, eventName: "AuthorizationCanceled", logs: receipt.logs });
      expect(canceled?.args).toEqual({ authorizer: payer.address, nonce: auth.message.nonce });
      expect(await authorizationState(auth.message.nonce)).toBe(true);
      await expect(transferWithVrs(auth)).rejects.toThrow(/authorization is used or canceled/);
    });

    it("takes a bytes signature, only from the authorizer, and only once", async () => {
      const nonce = randomNonce();
      const cancel = (signature: Hex) =>
        relayer.writeContract({
          address: usdc,
          abi: usdcAbi,
          functionName: "cancelAuthorization",
          args: [payer.address, nonce, signature],
        });
      await expect(cancel(await signCancel(nonce, privateKeyToAccount(generatePrivateKey())))).rejects.toThrow(
        /invalid signature/,
      );
      const signature = await signCancel(nonce);
      await publicClient.waitForTransactionReceipt({ hash: await cancel(signature) });
      expect(await authorizationState(nonce)).toBe(true);
      await expect(cancel(signature)).rejects.toThrow(/authorization is used or canceled/);
    });
  });

  it("supports EIP-2612 permit", async () => {
    const value = 3_000000n;
    const deadline = (await chainTime()) + 3600n;
    const nonce = await publicClient.readContract({
      address: usdc,
      abi: usdcAbi,
      functionName: "nonces",
      args: [payer.address],
    });
    const signature = await payer.signTypedData({
      domain: domain(),
      types,
      primaryType: "Permit",
      message: { owner: payer.address, spender: relayerAccount.address, value, nonce, deadline },
    });
    const { v, r, s } = splitSignature(signature);
    const permitHash = await relayer.writeContract({
      address: usdc,
      abi: usdcAbi,
      functionName: "permit",
      args: [payer.address, relayerAccount.address, value, deadline, v, r, s],
    });
    await publicClient.waitForTransactionReceipt({ hash: permitHash });
    expect(
      await publicClient.readContract({
        address: usdc,
        abi: usdcAbi,
        functionName: "allowance",
        args: [payer.address, relayerAccount.address],
      }),
    ).toBe(value);

    const payeeBefore = await balanceOf(payee);
    const pullHash = await relayer.writeContract({
      address: usdc,
      abi: usdcAbi,
      functionName: "transferFrom",
      args: [payer.address, payee, value],
    });
    await publicClient.waitForTransactionReceipt({ hash: pullHash });
    expect(await balanceOf(payee)).toBe(payeeBefore + value);
    // The permit nonce moved on, so the same signature cannot be replayed.
    await expect(
      relayer.writeContract({
        address: usdc,
        abi: usdcAbi,
        functionName: "permit",
        args: [payer.address, relayerAccount.address, value, deadline, v, r, s],
      }),
    ).rejects.toThrow(/invalid signature/);
  });
});
