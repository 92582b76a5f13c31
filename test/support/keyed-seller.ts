/**
 * Another seller's x402 server (a test double), built on the official SDK alone (@x402/core's HTTP resource server
 * with HTTPFacilitatorClient), whose only link to this app is the facilitator URL it is given, e.g. one of our
 * `<base>/api/facilitator/<apiKey>` URLs. It sells GET /report for `price` atomic USDC on the local chain to `payTo`.
 */
import {
  HTTPFacilitatorClient,
  x402HTTPResourceServer,
  x402ResourceServer,
  type HTTPAdapter,
  type HTTPResponseInstructions,
} from "@x402/core/server";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { NETWORKS } from "../../lib/chains/networks";
import { serveRoutes } from "../../lib/devtools/route-server";

export const REPORT = { report: "the numbers" };

export async function startKeyedSeller(opts: { facilitatorUrl: string; payTo: string; price: string }): Promise<{ url: string; close(): Promise<void> }> {
  const local = NETWORKS.local;
  const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: opts.facilitatorUrl })).register(local.caip2, new ExactEvmScheme());
  const http = new x402HTTPResourceServer(resourceServer, {
    "GET /report": {
      accepts: {
        scheme: "exact",
        network: local.caip2,
        payTo: opts.payTo,
        price: { amount: opts.price, asset: local.usdc.address, extra: { name: local.usdc.eip712Name, version: local.usdc.eip712Version } },
      },
      description: "A report",
      mimeType: "application/json",
    },
  });
  // Once, as a server does at start: what the facilitator supports, asked at its URL.
  await http.initialize();
  const reply = (r: HTTPResponseInstructions) =>
    new Response(JSON.stringify(r.body ?? {}), { status: r.status, headers: { "content-type": "application/json", ...r.headers } });
  const served = await serveRoutes([
    {
      method: "GET",
      path: "/report",
      async handle(req) {
        const url = new URL(req.url);
        const adapter: HTTPAdapter = {
          getHeader: (name) => req.headers.get(name) ?? undefined,
          getMethod: () => req.method,
          getPath: () => url.pathname,
          getUrl: () => url.href,
          getAcceptHeader: () => req.headers.get("accept") ?? "",
          getUserAgent: () => req.headers.get("user-agent") ?? "",
        };
        const context = { adapter, path: url.pathname, method: req.method, paymentHeader: adapter.getHeader("payment-signature") };
        const result = await http.processHTTPRequest(context);
        if (result.type === "payment-error") return reply(result.response);
        if (result.type === "no-payment-required") return new Response("GET /report should be paid", { status: 500 });
        const body = JSON.stringify(REPORT);
        const settled = await http.processSettlement(result.paymentPayload, result.paymentRequirements, result.declaredExtensions, {
          request: context,
          responseBody: Buffer.from(body),
          responseHeaders: { "content-type": "application/json" },
        });
        if (!settled.success) return reply(settled.response);
        return new Response(body, { headers: { ...settled.headers, "content-type": "application/json" } });
      },
    },
  ]);
  return { url: `${served.url}/report`, close: () => served.close() };
}
