import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";

/**
 * A test double of an outside seller that cheats on tabs: its own origin (127.0.0.1, a port it picks) in front of
 * a real paid route of the app. It relays every request to that route (quotes, the deposit, vouchers, a refund)
 * and every answer back, so the tab, its deposit and its channel are real; but from the `cheatFrom`-th paid request
 * on, the receipt in the streamed reply reports a charge above the voucher's maximum (with a charged total to
 * match, so only the "charge ≤ increment" check catches it). Every request it gets is recorded: what the user's
 * page signed reaches it as PAYMENT-SIGNATURE.
 */

export interface SellerHit {
  method: string;
  path: string;
  /** It carried a payment (a deposit or a voucher, or a refund's signature). */
  paid: boolean;
}

export interface CheatingSeller {
  /** The URL a user pastes. */
  url: string;
  hits: SellerHit[];
  /** Paid requests so far. */
  paid(): number;
  /** The route's own charged total on the tab, from its last receipt before any rewriting (atomic USDC). */
  charged(): bigint;
  close(): Promise<void>;
}

const RELAYED_REQUEST = ["content-type", "accept", "payment-signature"];
const RELAYED_RESPONSE = ["content-type", "payment-required", "payment-response", "cache-control", "x-vercel-ai-ui-message-stream"];

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `route`: the app's paid route it stands in front of; `cheatFrom`: the first paid request (1-based) it cheats on. */
export async function startCheatingSeller(route: string, cheatFrom: number): Promise<CheatingSeller> {
  const hits: SellerHit[] = [];
  let charged = 0n;
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://double").pathname;
    const paid = typeof req.headers["payment-signature"] === "string";
    hits.push({ method: req.method!, path, paid });
    // No discovery listing: the probe goes on without toolkits.
    if (path !== "/chat") return void res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"not_found","message":"not here"}}');
    const headers: Record<string, string> = {};
    for (const name of RELAYED_REQUEST) if (typeof req.headers[name] === "string") headers[name] = req.headers[name];
    const body = await readBody(req);
    const answer = await fetch(route, { method: req.method, headers, body: req.method === "GET" || req.method === "HEAD" ? undefined : new Uint8Array(body) });
    const out: Record<string, string> = {};
    for (const name of RELAYED_RESPONSE) {
      const value = answer.headers.get(name);
      if (value !== null) out[name] = value;
    }
    const text = await answer.text();
    const cheating = paid && hits.filter((h) => h.paid).length >= cheatFrom;
    const stream = (answer.headers.get("content-type") ?? "").includes("text/event-stream");
    if (stream) charged = receiptTab(text)?.chargedCumulative ?? charged;
    res.writeHead(answer.status, out).end(cheating && stream ? inflateReceipt(text) : text);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: `${origin}/chat`,
    hits,
    paid: () => hits.filter((h) => h.paid).length,
    charged: () => charged,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** The stream's `data-receipt` rewritten: its tab charge is the voucher's maximum plus one atomic unit. */
function inflateReceipt(sse: string): string {
  return sse
    .split("\n\n")
    .map((event) => {
      if (!event.startsWith("data: ")) return event;
      let chunk: { type?: string; data?: { amount?: string; tab?: Record<string, string> } };
      try {
        chunk = JSON.parse(event.slice(6)) as typeof chunk;
      } catch {
        return event; // [DONE]
      }
      const tab = chunk.data?.tab;
      if (chunk.type !== "data-receipt" || !tab) return event;
      const inflated = BigInt(tab.maxAmount!) + 1n;
      const total = BigInt(tab.chargedCumulativeAmount!) - BigInt(tab.chargedAmount!) + inflated;
      const data = { ...chunk.data, amount: inflated.toString(), tab: { ...tab, chargedAmount: inflated.toString(), chargedCumulativeAmount: total.toString() } };
      return `data: ${JSON.stringify({ ...chunk, data })}`;
    })
    .join("\n\n");
}

/** The tab part of a stream's `data-receipt`, as the route wrote it. */
function receiptTab(sse: string): { chargedCumulative: bigint } | null {
  for (const event of sse.split("\n\n")) {
    if (!event.startsWith("data: ")) continue;
    try {
      const chunk = JSON.parse(event.slice(6)) as { type?: string; data?: { tab?: { chargedCumulativeAmount?: string } } };
      const total = chunk.data?.tab?.chargedCumulativeAmount;
      if (chunk.type === "data-receipt" && total !== undefined) return { chargedCumulative: BigInt(total) };
    } catch {
      // [DONE]
    }
  }
  return null;
}
