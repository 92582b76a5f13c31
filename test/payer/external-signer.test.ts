/**
 * Paying with a connected external wallet: wagmi's mock connector on a real anvil (which signs for its unlocked
 * dev accounts), published through the bridge the chat reads, signing only for the network's chain.
 */
import { authorizationTypes } from "@x402/evm";
import { http, recoverTypedDataAddress, type Address } from "viem";
import { createConfig, mock } from "wagmi";
import { connect, disconnect, switchChain } from "wagmi/actions";
import { afterEach, describe, expect, it, vi } from "vitest";
import { bridgeExternalWallet } from "@/components/wallet/external/bridge";
import { NETWORKS, viemChainOf } from "@/lib/chains/networks";
import { externalWalletSnapshot, getExternalSigner } from "@/lib/wallet/external-bridge";
import type { PaymentStopped } from "@/lib/x402/payer/paying-fetch";
import { testChainFixture } from "../support/fixtures";

// Anvil's dev account #2, unlocked on the node.
const ACCOUNT_2: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const LOCAL = NETWORKS.local.chainId;
const SEPOLIA = NETWORKS["base-sepolia"].chainId;

const anvil = testChainFixture({ contracts: false, asLocalChain: false });

const unwatch: Array<() => void> = [];
afterEach(() => {
  for (const stop of unwatch.splice(0)) stop();
  vi.restoreAllMocks();
});

/** A wagmi config whose only wallet is the mock connector on account #2, published to the bridge. */
async function connected(features?: Parameters<typeof mock>[0]["features"]) {
  // Both chains go to the one anvil: only the wallet's own chain id tells them apart.
  const chains = [viemChainOf(NETWORKS.local, anvil.rpcUrl), viemChainOf(NETWORKS["base-sepolia"], anvil.rpcUrl)] as const;
  const config = createConfig({
    chains,
    connectors: [mock({ accounts: [ACCOUNT_2], features })],
    transports: { [LOCAL]: http(anvil.rpcUrl), [SEPOLIA]: http(anvil.rpcUrl) },
  });
  unwatch.push(bridgeExternalWallet(config));
  await connect(config, { connector: config.connectors[0]! });
  return config;
}

/** What the x402 exact scheme asks a wallet to sign: an EIP-3009 transfer authorization. */
const payment = (chainId: number) => ({
  domain: { name: "USD Coin", version: "2", chainId, verifyingContract: NETWORKS.local.usdc.address },
  types: authorizationTypes,
  primaryType: "TransferWithAuthorization",
  message: {
    from: ACCOUNT_2,
    to: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    value: 10_000n,
    validAfter: 0n,
    validBefore: 2_000_000_000n,
    nonce: `0x${"11".repeat(32)}`,
  },
});

/** The JSON-RPC methods this process sends to any node from now on. */
function rpcMethods(): () => string[] {
  const spy = vi.spyOn(globalThis, "fetch");
  return () => spy.mock.calls.map(([, init]) => (JSON.parse(String(init?.body)) as { method: string }).method);
}

const stopped = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err as PaymentStopped);

describe("the external wallet bridge", () => {
  it("publishes the connection and signs a payment on the wallet's chain with the wallet (one request)", async () => {
    await connected();
    expect(externalWalletSnapshot()).toMatchObject({ address: ACCOUNT_2, chainId: LOCAL, name: "Mock Connector" });
    const methods = rpcMethods();
    const signer = getExternalSigner(LOCAL)!;
    expect(signer.address).toBe(ACCOUNT_2);

    const signature = await signer.signTypedData(payment(LOCAL));
    expect(await recoverTypedDataAddress({ ...payment(LOCAL), signature } as Parameters<typeof recoverTypedDataAddress>[0])).toBe(ACCOUNT_2);
    // One signature request, which the node answered for its unlocked account.
    expect(methods().filter((m) => m === "eth_signTypedData_v4")).toHaveLength(1);
  });

  it("refuses to sign when the wallet is on another chain than the payment's network, asking the wallet nothing", async () => {
    const config = await connected();
    await switchChain(config, { chainId: SEPOLIA });
    expect(externalWalletSnapshot()?.chainId).toBe(SEPOLIA);
    const methods = rpcMethods();

    const err = await stopped(getExternalSigner(LOCAL)!.signTypedData(payment(LOCAL)));
    expect(err?.reason).toBe("wallet_refused");
    expect(err?.message).toContain(`Your wallet is on chain ${SEPOLIA}`);
    expect(methods()).not.toContain("eth_signTypedData_v4");
  });

  it("refuses typed data whose domain names another chain, even with the wallet on the network's chain", async () => {
    await connected();
    const methods = rpcMethods();
    const err = await stopped(getExternalSigner(LOCAL)!.signTypedData(payment(SEPOLIA)));
    expect(err?.reason).toBe("wallet_refused");
    expect(err?.message).toContain(`names chain ${SEPOLIA}`);
    expect(methods()).toEqual([]);
  });

  it("says so when the user declines in the wallet", async () => {
    await connected({ signTypedDataError: true });
    const err = await stopped(getExternalSigner(LOCAL)!.signTypedData(payment(LOCAL)));
    expect(err?.reason).toBe("wallet_refused");
    expect(err?.message).toBe("You declined the signature in your wallet; nothing was paid.");
  });

  it("publishes the disconnect: no signer is left", async () => {
    const config = await connected();
    expect(getExternalSigner(LOCAL)).not.toBeNull();
    await disconnect(config);
    expect(externalWalletSnapshot()).toBeNull();
    expect(getExternalSigner(LOCAL)).toBeNull();
  });
});
