/**
 * Time to first token of one agent four ways, in one process on one chain:
 * unpaid (a free route made for the benchmark), paid through our handler with `exact`, paid through our handler
 * on a tab (batch-settlement: one deposit before the clock, then a voucher per message), and paid through the
 * official @x402/next `withX402` wrapper around the free route. Every proof is signed before its clock starts.
 */
import { x402HTTPClient } from "@x402/core/client";
import { NextRequest, type NextResponse } from "next/server";
import type { PrivateKeyAccount } from "viem/accounts";
import type { AgentConfig } from "../../agents/registry";
import { handlePaidAgentChat } from "../../x402/server/paid-chat";
import { agentPrice } from "../../x402/server/quote";
import { serveRoutes } from "../route-server";
import { localX402Client, receiptIn } from "../load/client";
import { summarize } from "../load/stats";
import { streamChunks } from "../../http/stream";
import { BenchTab } from "./tab-client";
import { freeReply } from "./free-reply";
import { officialResourceServer } from "./official-stack";

export const BODY = JSON.stringify({ messages: [{ role: "user", content: "What is the current price of ETH?" }] });

/** The model's first output in a UI message stream: reasoning, text or a tool call. */
const FIRST_TOKEN = /"type":"(reasoning-delta|text-delta|tool-input-start)"/;

/** Milliseconds from sending the request to the reply's first token, and to its end; the reply read whole. */
export async function timeReply(url: string, headers: Record<string, string> = {}): Promise<{ firstToken: number; total: number; text: string }> {
  const started = performance.now();
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: BODY });
  if (!res.ok || !res.body) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let seen = "";
  let firstToken: number | null = null;
  for await (const chunk of streamChunks(res.body)) {
    seen += decoder.decode(chunk, { stream: true });
    if (firstToken === null && FIRST_TOKEN.test(seen)) firstToken = performance.now() - started;
  }
  if (firstToken === null) throw new Error(`${url} sent no output`);
  return { firstToken, total: performance.now() - started, text: seen };
}

/** The official @x402/next `withX402` wrapper around the unpaid reply, at the agent's price, on the official stack (official-stack.ts). */
export async function withX402Route(agent: AgentConfig, rpcUrl: string): Promise<(req: Request) => Promise<Response>> {
  const price = agentPrice(agent);
  // Loaded here: @x402/next resolves only under Next's module resolution (or tsx), not in every test runner.
  const { withX402 } = await import("@x402/next");
  const wrapped = withX402(
    async (req: NextRequest) => (await freeReply(req, agent)) as NextResponse,
    { accepts: { scheme: price.scheme, network: price.network, payTo: price.payTo, price: { amount: price.amount, asset: price.asset, extra: price.extra } } },
    await officialResourceServer(rpcUrl),
  );
  return (req) => wrapped(new NextRequest(req));
}

/** A signed proof for the route's 402, made before the clock starts. */
async function proofFor(url: string, payer: PrivateKeyAccount): Promise<Record<string, string>> {
  const unpaid = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: BODY });
  const client = new x402HTTPClient(localX402Client(payer));
  const body = await unpaid.json().catch(() => undefined);
  const required = client.getPaymentRequiredResponse((name) => unpaid.headers.get(name), body);
  return client.encodePaymentSignatureHeader(await client.createPaymentPayload(required));
}

export async function measureTtft(opts: {
  agent: AgentConfig;
  payer: PrivateKeyAccount;
  rpcUrl: string;
  runs: number;
  warmup: number;
  /** Time the official withX402 wrapper too; default true (@x402/next loads only under Next's module resolution). */
  withX402?: boolean;
}) {
  const { agent } = opts;
  const timeOfficial = opts.withX402 ?? true;
  const official = timeOfficial ? await withX402Route(agent, opts.rpcUrl) : null;
  const server = await serveRoutes([
    { method: "POST", path: "/free", handle: (req) => freeReply(req, agent) },
    { method: "POST", path: "/paid", handle: (req) => handlePaidAgentChat(req, agent.id) },
    ...(official ? [{ method: "POST", path: "/withx402", handle: official }] : []),
  ]);
  const samples = { free: [] as number[], paid: [] as number[], tab: [] as number[], withX402: [] as number[], replyTotal: [] as number[] };
  try {
    // The tab is opened (its deposit sent on chain) before any clock; its offer is the same for every message.
    const tab = new BenchTab(opts.payer, opts.rpcUrl, opts.runs + opts.warmup + 1);
    const tabOffer = await BenchTab.offerOf(`${server.url}/paid`, BODY);
    await tab.settled(receiptIn((await timeReply(`${server.url}/paid`, await tab.proof(tabOffer))).text));
    for (let i = 0; i < opts.runs + opts.warmup; i++) {
      const paidProof = await proofFor(`${server.url}/paid`, opts.payer);
      const officialProof = official && (await proofFor(`${server.url}/withx402`, opts.payer));
      const tabProof = await tab.proof(tabOffer);
      const free = await timeReply(`${server.url}/free`);
      const paid = await timeReply(`${server.url}/paid`, paidProof);
      const onTab = await timeReply(`${server.url}/paid`, tabProof);
      await tab.settled(receiptIn(onTab.text));
      const viaWithX402 = officialProof && (await timeReply(`${server.url}/withx402`, officialProof));
      if (i < opts.warmup) continue;
      samples.free.push(free.firstToken);
      samples.replyTotal.push(free.total);
      samples.paid.push(paid.firstToken);
      samples.tab.push(onTab.firstToken);
      if (viaWithX402) samples.withX402.push(viaWithX402.firstToken);
    }
  } finally {
    await server.close();
  }
  return {
    free: summarize(samples.free),
    paid: summarize(samples.paid),
    tab: summarize(samples.tab),
    withX402: summarize(samples.withX402),
    replyTotal: summarize(samples.replyTotal),
  };
}
