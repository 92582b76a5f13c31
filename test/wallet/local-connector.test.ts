/** The "Local Wallet" wagmi connector: signs with the session's key for its chain only, and never sends. */
import { http, verifyMessage, verifyTypedData } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createConfig } from "wagmi";
import { connect, getConnectorClient, signMessage, signTypedData } from "wagmi/actions";
import { describe, expect, it } from "vitest";
import { NETWORKS, viemChainOf } from "@/lib/chains/networks";
import { localWalletConnector } from "@/lib/wallet/local-connector";
import { WalletSession } from "@/lib/wallet/session";

const account = privateKeyToAccount(generatePrivateKey());
// Nothing in these tests reads the chain: the relay URL is never fetched.
const relay = (chainId: number) => `http://relay.invalid/api/rpc/${chainId}`;

function setup() {
  const session = new WalletSession();
  const chains = [viemChainOf(NETWORKS.local, relay(31337)), viemChainOf(NETWORKS["base-sepolia"], relay(84532))] as const;
  const config = createConfig({
    chains,
    connectors: [localWalletConnector({ session, rpcUrl: relay, chainId: 31337 })],
    transports: { 31337: http(relay(31337)), 84532: http(relay(84532)) },
  });
  return { session, config, connector: config.connectors[0]! };
}

const typedData = (chainId: number) =>
  ({
    domain: { name: "USD Coin", version: "2", chainId, verifyingContract: NETWORKS.local.usdc.address },
    types: { Ping: [{ name: "value", type: "uint256" }] },
    primaryType: "Ping",
    message: { value: 42n },
  }) as const;

describe("localWalletConnector", () => {
  it("will not connect while the wallet is locked", async () => {
    const { config, connector } = setup();
    await expect(connect(config, { connector })).rejects.toThrow(/locked/);
  });

  it("connects with the unlocked account and signs messages and typed data with it", async () => {
    const { session, config, connector } = setup();
    session.unlock(31337, account, account.address);
    const { accounts, chainId } = await connect(config, { connector });
    expect(accounts).toEqual([account.address]);
    expect(chainId).toBe(31337);

    const signature = await signMessage(config, { message: "hello" });
    expect(await verifyMessage({ address: account.address, message: "hello", signature })).toBe(true);
    const typedSig = await signTypedData(config, typedData(31337));
    expect(await verifyTypedData({ address: account.address, signature: typedSig, ...typedData(31337) })).toBe(true);
  });

  it("refuses typed data for another chain, sending transactions, and signing once locked", async () => {
    const { session, config, connector } = setup();
    session.unlock(31337, account, account.address);
    await connect(config, { connector });
    const client = await getConnectorClient(config);
    await expect(
      client.request({ method: "eth_signTypedData_v4", params: [account.address, JSON.stringify({ ...typedData(84532), message: { value: "42" } })] }),
    ).rejects.toThrow(/chain 84532/);
    await expect(
      client.request({ method: "eth_sendTransaction", params: [{ from: account.address, to: account.address, value: "0x1" }] }),
    ).rejects.toThrow(/not offered by the local wallet/);
    session.lock();
    await expect(signMessage(config, { message: "hello", account: account.address, connector })).rejects.toThrow();
  });
});
