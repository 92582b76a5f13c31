/**
 * A payer's tab (x402 batch-settlement) for the benchmarks: the SDK's client scheme signs the deposit and each
 * voucher, and its state is kept from our receipts. A stream carries no PAYMENT-RESPONSE, so the official client's
 * state would lag one reply and its next voucher meet a corrective 402; taking the receipt's charged total instead
 * makes every voucher build on the server's state, so no corrective round trip is ever timed.
 */
import { x402Client, x402HTTPClient } from "@x402/core/client";
import type { PaymentRequired } from "@x402/core/types";
import { toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme, InMemoryClientChannelStorage } from "@x402/evm/batch-settlement/client";
import { createPublicClient, http } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { NETWORKS } from "../../chains/networks";
import type { Receipt } from "../../x402/shared/receipt";

export class BenchTab {
  private readonly storage = new InMemoryClientChannelStorage();
  private readonly http: x402HTTPClient;

  /** `messages`: how many the deposit covers (at the per-message maximum), so no top-up interrupts a run. */
  constructor(payer: PrivateKeyAccount, rpcUrl: string, messages: number) {
    const chain = createPublicClient({ chain: foundry, transport: http(rpcUrl) });
    const scheme = new BatchSettlementEvmScheme(toClientEvmSigner(payer, chain), {
      storage: this.storage,
      depositPolicy: { depositMultiplier: Math.max(messages, 3) },
    });
    // Only the tab scheme is registered, so the client picks the 402's batch-settlement offer.
    this.http = new x402HTTPClient(
      x402Client.fromConfig({
        schemes: [{ network: NETWORKS.local.caip2, client: scheme }],
        spendControls: { allowedAssets: [{ network: NETWORKS.local.caip2, asset: NETWORKS.local.usdc.address }] },
      }),
    );
  }

  /** The 402 of a paid route, read once: a tab's offer does not change between messages. */
  static async offerOf(url: string, body: string): Promise<PaymentRequired> {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const probe = new x402HTTPClient(new x402Client());
    return probe.getPaymentRequiredResponse((name) => res.headers.get(name), await res.json().catch(() => undefined));
  }

  /** The PAYMENT-SIGNATURE header of the next message: the deposit first, then the next voucher. */
  async proof(offer: PaymentRequired): Promise<Record<string, string>> {
    return this.http.encodePaymentSignatureHeader(await this.http.createPaymentPayload(offer));
  }

  /** Takes the tab's state from a reply's receipt (the server's charged total and the channel's balance). */
  async settled(receipt: Receipt | null): Promise<void> {
    const tab = receipt?.tab;
    if (!receipt?.success || !tab) throw new Error(`the tab's reply was not charged: ${receipt?.error ?? "no receipt"}`);
    const current = (await this.storage.get(tab.channelId)) ?? {};
    await this.storage.set(tab.channelId, { ...current, chargedCumulativeAmount: tab.chargedCumulativeAmount, balance: tab.balance });
  }
}
