/**
 * The chat's view of a tab's streamed reply (components/chat/tab-stream.ts): the agent's receipt is a claim handed to
 * the tab, and what the chat sees is rebuilt from the charge the tab adopted; a claim that fails the tab's checks
 * ends the reply in an error, with no receipt. The tab here is the tab client's own check (checkSellerCharge) over
 * one voucher, as TabClient.settled runs it.
 */
import { describe, expect, it } from "vitest";
import { tabReceipts } from "@/components/chat/tab-stream";
import { NETWORKS } from "@/lib/chains/networks";
import { checkSellerCharge, TabStopped, type TabCharge, type VoucherSent } from "@/lib/x402/payer/tab-client";
import type { Receipt } from "@/lib/x402/shared/receipt";

const LOCAL = NETWORKS.local;
const CHANNEL = `0x${"ab".repeat(32)}`;
const sent: VoucherSent = { channelId: CHANNEL, base: 0n, increment: 10_000n, deposit: 200_000n };

/** A tab over one voucher: adopts a claim that passes the checks, stops on one that does not. */
function tabOf() {
  let charge: TabCharge | null = null;
  return {
    last: () => charge,
    async settled(receipt: Receipt | null) {
      if (!receipt?.tab) return;
      const verdict = checkSellerCharge(sent, receipt.tab);
      if (!verdict.ok) throw new TabStopped("tab_seller_misbehaved", `The agent misreported this tab's charge (${verdict.why}).`);
      charge = { channelId: CHANNEL, charged: verdict.charged, maxAmount: sent.increment, chargedCumulative: verdict.cumulative, balance: sent.deposit!, deposit: sent.deposit };
    },
  };
}

function reply(receipt: Partial<Receipt>): Response {
  const events = [
    { type: "start" },
    { type: "text-start", id: "t" },
    { type: "text-delta", id: "t", delta: "ETH is 3,000 USD." },
    { type: "text-end", id: "t" },
    { type: "data-receipt", data: receipt },
    { type: "finish" },
  ];
  const body = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("") + "data: [DONE]\n\n";
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

const claim = (chargedAmount: string): Partial<Receipt> => ({
  paymentId: "p1",
  success: true,
  transaction: "",
  payer: "0x0000000000000000000000000000000000000001",
  payTo: "0x0000000000000000000000000000000000000002",
  amount: "999999", // the agent's own figure: never shown
  amountDisplay: "0.999999 USDC",
  tab: { channelId: CHANNEL, chargedAmount, chargedCumulativeAmount: chargedAmount, balance: "200000", maxAmount: "10000", depositTransaction: `0x${"cd".repeat(32)}` },
});

async function chunks(res: Response): Promise<Array<{ type: string; data?: unknown }>> {
  const text = await res.text();
  return text
    .split("\n\n")
    .map((e) => e.replace(/^data: /, ""))
    .filter((e) => e.startsWith("{"))
    .map((e) => JSON.parse(e) as { type: string; data?: unknown });
}

describe("tabReceipts", () => {
  it("shows the charge the tab adopted, of the voucher's maximum, not the agent's figures", async () => {
    const tab = tabOf();
    const out = await chunks(tabReceipts(reply(claim("3200")), tab, tab.last, LOCAL));
    const receipt = out.find((c) => c.type === "data-receipt")?.data as Receipt;
    expect(receipt).toMatchObject({ success: true, amount: "3200", amountDisplay: "0.0032 USDC" });
    expect(receipt.tab).toMatchObject({ chargedAmount: "3200", maxAmount: "10000", chargedCumulativeAmount: "3200", balance: "200000" });
    // The deposit the agent named is not called one until the chain shows it (no chain here: its check fails).
    expect(receipt.transaction).toBe("");
    expect(receipt.claimedTransaction).toBe(`0x${"cd".repeat(32)}`);
    expect(receipt.tab!.depositTransaction).toBeUndefined();
    expect(receipt.tab!.depositProblem).toContain("the chain could not be read");
    expect(out.map((c) => c.type)).toEqual(["start", "text-start", "text-delta", "text-end", "data-receipt", "finish"]);
  });

  it("a charge above the voucher's maximum ends the reply in the tab's error, with no receipt", async () => {
    const tab = tabOf();
    const res = tabReceipts(reply(claim("10001")), tab, tab.last, LOCAL);
    const reader = res.body!.getReader();
    const seen: string[] = [];
    const decoder = new TextDecoder();
    const failure = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return null;
          seen.push(decoder.decode(value));
        }
      } catch (err) {
        return err;
      }
    })();
    expect(failure).toBeInstanceOf(TabStopped);
    expect((failure as TabStopped).reason).toBe("tab_seller_misbehaved");
    const text = seen.join("");
    expect(text).toContain('"type":"data-error"');
    expect(text).not.toContain('"type":"data-receipt"');
    expect(text).not.toContain('"type":"finish"');
    expect(tab.last()).toBeNull();
  });
});
