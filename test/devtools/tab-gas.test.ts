/**
 * The bench's tab-gas section on a real anvil: one 100-message tab driven by the SDK's client scheme and our
 * facilitator; its figures are the receipts' gasUsed (shared claim and settle divided by the batch), and the tab
 * really went through (claimed what it was charged, refunded the rest).
 */
import { createPublicClient, http, parseAbi, type Hex } from "viem";
import { foundry } from "viem/chains";
import { describe, expect, it } from "vitest";
import { measureTabGas, type TabGas, type TabGasStep } from "@/lib/devtools/bench/tab-gas";
import { testChainFixture } from "../support/fixtures";

const chain = testChainFixture();
const SETTLEMENT = "0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003";
const settlementAbi = parseAbi(["function channels(bytes32 channelId) view returns (uint128 balance, uint128 totalClaimed)"]);

async function receiptsOf(result: TabGas) {
  const client = createPublicClient({ chain: foundry, transport: http(chain.rpcUrl) });
  return Promise.all(result.transactions.map((tx) => client.getTransactionReceipt({ hash: tx.hash as Hex })));
}

describe("measureTabGas", () => {
  it("sums the receipts of the tab's deposit and refund, and its share of the claim and settle it took part in", async () => {
    const claimBatch = 3;
    const result = await measureTabGas({ rpcUrl: chain.rpcUrl, messages: 100, claimBatch, price: 1000n, charge: 750n });

    expect(result.transactions.map((tx) => tx.step)).toEqual(["deposit", "claim", "settle", "refund"]);
    const receipts = await receiptsOf(result);
    for (const [i, receipt] of receipts.entries()) {
      expect(receipt.status).toBe("success");
      expect(receipt.to?.toLowerCase()).toBe(SETTLEMENT.toLowerCase());
      expect(result.transactions[i]!.gasUsed).toBe(Number(receipt.gasUsed));
    }
    const used = (step: TabGasStep) => Number(receipts[result.transactions.findIndex((tx) => tx.step === step)]!.gasUsed);
    expect(result.deposit).toBe(used("deposit"));
    expect(result.refund).toBe(used("refund"));
    expect(result.claim).toBe(Math.round(used("claim") / claimBatch));
    expect(result.settle).toBe(Math.round(used("settle") / claimBatch));
    expect(result.total).toBe(result.deposit + result.claim + result.settle + result.refund);
    expect(result.perMessage).toBe(Math.round(result.total / 100));

    // The tab really ran: all 100 charges claimed on chain, and the refund took the rest of the deposit.
    const client = createPublicClient({ chain: foundry, transport: http(chain.rpcUrl) });
    const [balance, totalClaimed] = await client.readContract({
      address: SETTLEMENT,
      abi: settlementAbi,
      functionName: "channels",
      args: [result.channelId],
    });
    expect(result.charged).toBe("75000");
    expect(totalClaimed).toBe(75_000n);
    expect(balance).toBe(75_000n);
  });

  it("keeps a 100-message tab within 2,000 gas per message when its claim and settle are shared by 10 tabs", async () => {
    const result = await measureTabGas({ rpcUrl: chain.rpcUrl, messages: 100, claimBatch: 10 });
    expect(result.perMessage).toBeLessThanOrEqual(2000);
  });
});
