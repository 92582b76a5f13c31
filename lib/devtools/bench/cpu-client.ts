/**
 * The client side of the server-CPU bench, run in its own process (server-cpu.ts forks it) so that none of its
 * work (signing proofs and vouchers, reading replies) lands in the server's process.cpuUsage(). It pays with the
 * official client: `exact` proofs from @x402/evm's exact scheme, and tabs (BenchTab) opened when it starts. It keeps
 * `concurrency` messages in flight, each slot a payer of its own with its own tab (a tab serves one message at a time).
 */
import { x402HTTPClient } from "@x402/core/client";
import type { PaymentRequired } from "@x402/core/types";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { localX402Client, receiptIn } from "../load/client";
import { BenchTab } from "./tab-client";

export type CpuMode = "unpaid" | "exact" | "tab" | "withX402";

export type ToClient =
  | { type: "init"; freeUrl: string; paidUrl: string; withX402Url: string | null; rpcUrl: string; payerKeys: Hex[]; body: string; tabMessages: number }
  | { type: "run"; mode: CpuMode; count: number };
export type FromClient = { type: "ready" } | { type: "done"; mode: CpuMode } | { type: "failed"; error: string };

/** One message slot: a payer, its exact client and its tab. */
interface Slot {
  exact: x402HTTPClient;
  tab: BenchTab;
}

let state: {
  init: Extract<ToClient, { type: "init" }>;
  slots: Slot[];
  exactOffer: PaymentRequired;
  tabOffer: PaymentRequired;
  withX402Offer: PaymentRequired | null;
} | null = null;

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  return (await postFor(url, body, headers)).text;
}

async function postFor(url: string, body: string, headers: Record<string, string> = {}): Promise<{ text: string; headers: Headers }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return { text, headers: res.headers };
}

/** The exact offer of a paid route's 402. */
async function exactOfferOf(client: x402HTTPClient, url: string, body: string): Promise<PaymentRequired> {
  const unpaid = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  return client.getPaymentRequiredResponse((name) => unpaid.headers.get(name), await unpaid.json().catch(() => undefined));
}

async function start(init: Extract<ToClient, { type: "init" }>): Promise<void> {
  const slots = init.payerKeys.map((key) => {
    const payer = privateKeyToAccount(key);
    return { exact: new x402HTTPClient(localX402Client(payer)), tab: new BenchTab(payer, init.rpcUrl, init.tabMessages) };
  });
  const first = slots[0]!;
  const exactOffer = await exactOfferOf(first.exact, init.paidUrl, init.body);
  const withX402Offer = init.withX402Url ? await exactOfferOf(first.exact, init.withX402Url, init.body) : null;
  const tabOffer = await BenchTab.offerOf(init.paidUrl, init.body);
  // The deposits are sent here, before any measurement.
  for (const { tab } of slots) await tab.settled(receiptIn(await post(init.paidUrl, init.body, await tab.proof(tabOffer))));
  state = { init, slots, exactOffer, tabOffer, withX402Offer };
}

/** One message of `mode` from a slot: its proof signed here, then the reply read whole; a paid one must carry a good receipt. */
async function message(mode: CpuMode, slot: Slot): Promise<void> {
  const s = state!;
  if (mode === "unpaid") {
    await post(s.init.freeUrl, s.init.body);
  } else if (mode === "exact") {
    const proof = slot.exact.encodePaymentSignatureHeader(await slot.exact.createPaymentPayload(s.exactOffer));
    const receipt = receiptIn(await post(s.init.paidUrl, s.init.body, proof));
    if (!receipt?.success) throw new Error(`exact reply not settled: ${receipt?.error ?? "no receipt"}`);
  } else if (mode === "withX402") {
    const proof = slot.exact.encodePaymentSignatureHeader(await slot.exact.createPaymentPayload(s.withX402Offer!));
    const reply = await postFor(s.init.withX402Url!, s.init.body, proof);
    const settled = slot.exact.getPaymentSettleResponse((name) => reply.headers.get(name));
    if (!settled.success) throw new Error(`withX402 reply not settled: ${settled.errorReason ?? "no PAYMENT-RESPONSE"}`);
  } else {
    const proof = await slot.tab.proof(s.tabOffer);
    await slot.tab.settled(receiptIn(await post(s.init.paidUrl, s.init.body, proof)));
  }
}

const send = (msg: FromClient) => process.send!(msg);

process.on("message", (msg: ToClient) => {
  const work =
    msg.type === "init"
      ? start(msg).then(() => send({ type: "ready" }))
      : (async () => {
          // `count` messages, every slot sending its next as soon as its last reply ended.
          let left = msg.count;
          await Promise.all(
            state!.slots.map(async (slot) => {
              while (left > 0) {
                left--;
                await message(msg.mode, slot);
              }
            }),
          );
          send({ type: "done", mode: msg.mode });
        })();
  work.catch((err: unknown) => send({ type: "failed", error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});
// The parent's IPC channel closing ends this process.
process.on("disconnect", () => process.exit(0));
