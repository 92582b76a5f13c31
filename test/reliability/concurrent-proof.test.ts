import { describe, expect, it } from "vitest";
import { getAgent, priceAtomic } from "@/lib/agents/registry";
import { getLedger } from "@/lib/ledger";
import { MARKET_AGENT, chatBody, fundedPayer, signProofFor, paidStackFixture, usdcBalance } from "../x402/support";
import { usdcTransfers } from "./support/chain";

const stack = paidStackFixture();
const market = () => getAgent(MARKET_AGENT)!;

describe("one proof sent 50 times at once", () => {
  it("settles exactly once: one transfer on chain, one settled row, 49 refusals, no 5xx", async () => {
    const chatUrl = `${stack.url}/api/x402/${MARKET_AGENT}/chat`;
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const { header } = await signProofFor(payer, chatUrl);

    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(chatUrl, { method: "POST", headers: { "PAYMENT-SIGNATURE": header }, body: chatBody("What is the current price of ETH?") }),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => r.text()));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // Refused as claimed already (409) or, once settled, as a nonce the chain has used (402).
    const refusals = bodies.filter((_, i) => statuses[i] !== 200);
    expect(refusals).toHaveLength(49);
    for (const body of refusals) expect(body).toMatch(/payment_already_used|nonce/);

    const transfers = await usdcTransfers(stack.anvil.rpcUrl, payer.address, market().payTo as `0x${string}`);
    expect(transfers.map((t) => t.value)).toEqual([priceAtomic(market())]);
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before - priceAtomic(market()));
    const rows = await (await getLedger()).listPayments({ payer: payer.address });
    expect(rows).toEqual([expect.objectContaining({ status: "settled", txHash: transfers[0]!.transactionHash })]);
  });
});
