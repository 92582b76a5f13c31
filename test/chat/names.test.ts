import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ProbeResult } from "@/components/chat/AgentPicker";
import { NETWORKS } from "@/lib/chains/networks";
import { noQuote, type NormalizedQuote } from "@/lib/remote-agents/parse-quote";
import { urlAgent } from "@/lib/x402/payer/chat-agent";

const APP = "http://127.0.0.1:3000";
const probed = (quote: NormalizedQuote) =>
  renderToStaticMarkup(createElement(ProbeResult, { quote, agent: urlAgent("https://agent.example/chat", quote, NETWORKS.local, APP), onUse: () => undefined }));

const baseSepoliaQuote: NormalizedQuote = {
  ...noQuote("", "https://agent.example/chat"),
  dialect: "x402-v2",
  scheme: "exact",
  network: "eip155:84532",
  chainId: 84532,
  asset: NETWORKS["base-sepolia"].usdc.address,
  amount: { atomic: "10000", display: "0.01 USDC" },
  payTo: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  payable: true,
  reason: null,
};

describe("names a person can read", () => {
  it("a probed agent on another network names that network, not its CAIP-2 id or chain id", () => {
    const html = probed(baseSepoliaQuote);
    expect(html).toContain("0.01 USDC</span> on Base Sepolia");
    expect(html).toContain("paid on Base Sepolia: switch network to use it");
    expect(html).not.toMatch(/eip155:|chain 84532/);
  });

  it("a refused probe says why, never 'asks unknown price (none)'", () => {
    const html = probed(noQuote("the URL answered 200, not 402: it is free or not an x402 agent", "https://agent.example/chat"));
    expect(html).toContain("does not ask for a payment this app can read");
    expect(html).toContain("the URL answered 200, not 402");
    expect(html).not.toMatch(/unknown price|\(none\)/);
  });
});
