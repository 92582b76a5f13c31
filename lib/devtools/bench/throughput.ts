/**
 * Messages per second through the production app at a given concurrency, unpaid and on tabs (the exact figure is
 * the load runner's). Unpaid goes to the bench's free route (the app started with BENCH_FREE_ROUTE=1); on tabs each
 * client is one payer with one tab, its deposit sent before the clock, then one voucher per message, in turn.
 */
import type { AgentConfig } from "../../agents/registry";
import { receiptIn } from "../load/client";
import { fundedPayers } from "../load/payers";
import { BenchTab } from "./tab-client";
import { BODY } from "./ttft";

export interface Rate {
  messages: number;
  concurrency: number;
  wallMs: number;
  perSecond: number;
}

async function post(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: BODY });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

/** `concurrency` clients, each sending its share of `messages` one after another; the wall clock over all. */
async function timed(concurrency: number, messages: number, send: (client: number) => Promise<void>): Promise<Rate> {
  const each = Math.ceil(messages / concurrency);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      for (let i = 0; i < each; i++) await send(client);
    }),
  );
  const wallMs = performance.now() - started;
  return { messages: each * concurrency, concurrency, wallMs, perSecond: (each * concurrency) / (wallMs / 1000) };
}

export async function measureUnpaidPerSecond(opts: { baseUrl: string; agent: AgentConfig; concurrency: number; messages: number }): Promise<Rate> {
  const url = `${opts.baseUrl}/api/bench/${opts.agent.id}/chat`;
  await post(url); // warm: the route compiled and loaded before the clock
  return timed(opts.concurrency, opts.messages, async () => {
    if (!/"type":"text-delta"/.test(await post(url))) throw new Error("the free route's reply has no text");
  });
}

export async function measureTabPerSecond(opts: {
  baseUrl: string;
  rpcUrl: string;
  agent: AgentConfig;
  concurrency: number;
  messages: number;
}): Promise<Rate> {
  const url = `${opts.baseUrl}/api/x402/${opts.agent.id}/chat`;
  const each = Math.ceil(opts.messages / opts.concurrency);
  // The deposit covers every message at the per-message maximum, plus the one that opens the tab.
  const usdcEach = (Number(opts.agent.price) * (each + 4)).toFixed(6);
  const payers = await fundedPayers(opts.rpcUrl, opts.concurrency, usdcEach);
  const offer = await BenchTab.offerOf(url, BODY);
  const tabs = payers.map((payer) => new BenchTab(payer, opts.rpcUrl, each + 1));
  // Deposits before the clock (each on chain through the app's facilitator).
  await Promise.all(tabs.map(async (tab) => tab.settled(receiptIn(await post(url, await tab.proof(offer))))));
  return timed(opts.concurrency, opts.messages, async (client) => {
    const tab = tabs[client]!;
    await tab.settled(receiptIn(await post(url, await tab.proof(offer))));
  });
}
