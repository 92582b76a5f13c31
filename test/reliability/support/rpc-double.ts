import { afterAll, beforeAll } from "vitest";
import { listen, readBody } from "../../agents/support/http";

/**
 * A JSON-RPC test double in front of a real anvil: it forwards every call (and
 * records its method), but answers HTTP 503 to the methods named in `failing`
 * ("*": every method), standing in for an RPC provider that goes down in the
 * middle of a settlement.
 */
export async function startRpcDouble(upstream: string) {
  const failing = new Set<string>();
  const failed: string[] = [];
  const seen: string[] = [];
  const requests: string[][] = [];
  const server = await listen(async (req, res) => {
    const body = await readBody(req);
    const calls = ([] as Array<{ method?: string }>).concat(JSON.parse(body) as { method?: string });
    seen.push(...calls.map((c) => c.method ?? ""));
    requests.push(calls.map((c) => c.method ?? ""));
    const refused = calls.find((c) => failing.has("*") || failing.has(c.method ?? ""));
    if (refused) {
      failed.push(refused.method!);
      res.writeHead(503, { "content-type": "text/plain" }).end("rpc double: switched off");
      return;
    }
    const answer = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body });
    res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
  });
  return {
    url: server.url,
    /** Methods refused so far, in order. */
    failed,
    /** Every method asked for, in order (batched calls one by one). */
    seen,
    /** The methods of each HTTP request, in order (a JSON-RPC batch is one request). */
    requests,
    fail(methods: string[]) {
      for (const m of methods) failing.add(m);
    },
    restore() {
      failing.clear();
    },
    close: server.close,
  };
}

/**
 * A double in front of the test chain for a whole test file, read by this process's facilitator (LOCAL_RPC_URL
 * points at it), to count what the facilitator asks the chain.
 */
export function facilitatorRpcDoubleFixture(chain: { rpcUrl: string }): () => Awaited<ReturnType<typeof startRpcDouble>> {
  let rpc: Awaited<ReturnType<typeof startRpcDouble>> | undefined;
  beforeAll(async () => {
    rpc = await startRpcDouble(chain.rpcUrl);
    process.env.LOCAL_RPC_URL = rpc.url;
  });
  afterAll(async () => {
    await rpc?.close();
  });
  return () => rpc!;
}
