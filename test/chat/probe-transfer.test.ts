import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ProbeResult } from "@/components/chat/AgentPicker";
import { NETWORKS } from "@/lib/chains/networks";
import { parseQuote } from "@/lib/remote-agents/parse-quote";
import { urlAgent } from "@/lib/x402/payer/chat-agent";

const APP = "http://127.0.0.1:3000";
const atelier402 = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    error: "payment_required",
    payment_requirements: {
      version: "1",
      scheme: "exact",
      network: "eip155:31337",
      asset: { currency: "USDC", address: NETWORKS.local.usdc.address },
      payTo: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
      maxAmountRequired: "20000",
      description: "A logo brief",
      resource: "https://atelier.example/api/x402/pay",
      ...extra,
    },
  });

const probed = (bodyText: string) => {
  const quote = parseQuote({ status: 402, headers: new Headers({ "content-type": "application/json" }), bodyText });
  return renderToStaticMarkup(createElement(ProbeResult, { quote, agent: urlAgent("https://atelier.example/api/x402/pay", quote, NETWORKS.local, APP), onUse: () => undefined }));
};

describe("the probe card of a pay-then-prove (Atelier-style) agent", () => {
  it("says the price is paid by transfer, plus gas in ETH", () => {
    const html = probed(atelier402());
    expect(html).toContain("0.02 USDC");
    expect(html).toContain("paid by transfer (+ gas in ETH)");
  });

  it("an x402 quote says nothing of a transfer", () => {
    const v1 = JSON.stringify({
      x402Version: 1,
      accepts: [{ scheme: "exact", network: "eip155:31337", asset: NETWORKS.local.usdc.address, payTo: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", maxAmountRequired: "20000", resource: "https://a.example", description: "", mimeType: "application/json", maxTimeoutSeconds: 60, extra: { name: "USDC", version: "2" } }],
    });
    const html = probed(v1);
    expect(html).toContain("0.02 USDC");
    expect(html).not.toContain("by transfer");
  });
});
