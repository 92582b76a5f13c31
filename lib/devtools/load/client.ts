import { x402Client } from "@x402/core/client";
import { toClientEvmSigner } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import type { PrivateKeyAccount } from "viem/accounts";
import { NETWORKS } from "../../chains/networks";
import type { Receipt } from "../../x402/shared/receipt";

/**
 * The official x402 client for one key on the local chain. EIP-3009 needs only typed-data signing, so no chain
 * client; our USDC must be allow-listed, it is not one of the SDK's default assets.
 */
export function localX402Client(account: PrivateKeyAccount): x402Client {
  return x402Client.fromConfig({
    schemes: [{ network: NETWORKS.local.caip2, client: new ExactEvmScheme(toClientEvmSigner(account)) }],
    spendControls: { allowedAssets: [{ network: NETWORKS.local.caip2, asset: NETWORKS.local.usdc.address }] },
  });
}

/** The official paying fetch (@x402/fetch) for one key on the local chain. */
export function localPayingFetch(account: PrivateKeyAccount): typeof fetch {
  return wrapFetchWithPayment(fetch, localX402Client(account));
}

export type MessageOutcome =
  | { ok: true; receipt: Receipt; latencyMs: number }
  | { ok: false; reason: string; latencyMs: number };

/** One paid message, 402 to receipt: the whole challenge loop, timed. */
export async function sendPaidMessage(pay: typeof fetch, url: string, text: string): Promise<MessageOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  try {
    const res = await pay(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: text }] }),
    });
    const body = await res.text();
    if (!res.ok) {
      const code = /"code":"([a-z_]+)"/.exec(body)?.[1] ?? /"error":"([a-z_]+)"/.exec(body)?.[1] ?? "";
      return { ok: false, reason: `HTTP ${res.status}${code ? ` ${code}` : ""}`, latencyMs: elapsed() };
    }
    const receipt = receiptIn(body);
    if (!receipt) return { ok: false, reason: "no receipt in the stream", latencyMs: elapsed() };
    if (!receipt.success) return { ok: false, reason: `settlement failed: ${receipt.error ?? "unknown"}`, latencyMs: elapsed() };
    return { ok: true, receipt, latencyMs: elapsed() };
  } catch (err) {
    return { ok: false, reason: `client error: ${(err as Error).message.split("\n")[0]}`, latencyMs: elapsed() };
  }
}

/** The data-receipt part of a UI message stream read whole, or null. */
export function receiptIn(stream: string): Receipt | null {
  for (const line of stream.split("\n")) {
    if (!line.startsWith("data: {")) continue;
    const chunk = JSON.parse(line.slice(6)) as { type: string; data?: Receipt };
    if (chunk.type === "data-receipt" && chunk.data) return chunk.data;
  }
  return null;
}
