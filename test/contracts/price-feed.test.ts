/** The local ETH/USD feed through Chainlink's AggregatorV3Interface, on a real anvil. */
import { createPublicClient, createWalletClient, http, parseAbi, parseEther, type Address } from "viem";
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { beforeAll, describe, expect, it } from "vitest";
import { fundLocalAccount, type LocalDeployment } from "../../lib/devchain";
import { testChainFixture } from "../support/fixtures";

const feedAbi = parseAbi([
  "function decimals() view returns (uint8)",
  "function description() view returns (string)",
  "function version() view returns (uint256)",
  "function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
  "function getRoundData(uint80 roundId) view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)",
  "function updateAnswer(int256 answer)",
]);

/** Anvil's default mnemonic; its account #0 owns the local contracts. */
const ownerAccount = mnemonicToAccount("test test test test test test test test test test test junk");
const stranger = privateKeyToAccount(generatePrivateKey());

const anvil = testChainFixture();
let deployment: LocalDeployment;
let feed: Address;

function clients() {
  const transport = http(anvil.rpcUrl);
  return {
    publicClient: createPublicClient({ chain: foundry, transport, pollingInterval: 50 }),
    owner: createWalletClient({ chain: foundry, transport, account: ownerAccount }),
    strangerWallet: createWalletClient({ chain: foundry, transport, account: stranger }),
  };
}
let c: ReturnType<typeof clients>;

beforeAll(async () => {
  deployment = anvil.deployment;
  feed = deployment.priceFeed;
  c = clients();
  await fundLocalAccount(anvil.rpcUrl, stranger.address, { usdc: 0n, eth: parseEther("1") });
});

const latestRoundData = () => c.publicClient.readContract({ address: feed, abi: feedAbi, functionName: "latestRoundData" });

describe("PriceFeed", () => {
  it("is owned by anvil's account #0", () => {
    expect(deployment.owner).toBe(ownerAccount.address);
  });

  it("describes itself as an 8-decimal ETH / USD feed", async () => {
    const read = <F extends "decimals" | "description" | "version">(functionName: F) =>
      c.publicClient.readContract({ address: feed, abi: feedAbi, functionName });
    expect(await read("decimals")).toBe(8);
    expect(await read("description")).toBe("ETH / USD");
    expect(await read("version")).toBe(1n);
  });

  it("answers the seeded price in round 1", async () => {
    const [roundId, answer, startedAt, updatedAt, answeredInRound] = await latestRoundData();
    expect(roundId).toBe(1n);
    expect(answer).toBe(3000_00000000n);
    expect(answer).toBe(BigInt(deployment.initialEthUsdPrice));
    expect(answeredInRound).toBe(1n);
    expect(startedAt).toBeGreaterThan(0n);
    expect(updatedAt).toBe(startedAt);
  });

  it("lets only the owner update the answer", async () => {
    await expect(
      c.strangerWallet.writeContract({ address: feed, abi: feedAbi, functionName: "updateAnswer", args: [1n] }),
    ).rejects.toThrow(/caller is not the owner/);
    const [roundId, answer] = await latestRoundData();
    expect([roundId, answer]).toEqual([1n, 3000_00000000n]);
  });

  it("opens a new round on each update and keeps the old ones", async () => {
    const hash = await c.owner.writeContract({
      address: feed,
      abi: feedAbi,
      functionName: "updateAnswer",
      args: [3125_50000000n],
    });
    const receipt = await c.publicClient.waitForTransactionReceipt({ hash });
    const block = await c.publicClient.getBlock({ blockNumber: receipt.blockNumber });

    const [roundId, answer, startedAt, updatedAt, answeredInRound] = await latestRoundData();
    expect(roundId).toBe(2n);
    expect(answer).toBe(3125_50000000n);
    expect(answeredInRound).toBe(2n);
    expect(startedAt).toBe(block.timestamp);
    expect(updatedAt).toBe(block.timestamp);

    const [firstRound, firstAnswer] = await c.publicClient.readContract({
      address: feed,
      abi: feedAbi,
      functionName: "getRoundData",
      args: [1n],
    });
    expect([firstRound, firstAnswer]).toEqual([1n, 3000_00000000n]);
    await expect(
      c.publicClient.readContract({ address: feed, abi: feedAbi, functionName: "getRoundData", args: [3n] }),
    ).rejects.toThrow(/No data present/);
  });
});
