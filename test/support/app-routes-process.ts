/**
 * One app process for multi-process tests, without a Next build: its own Node process serving the app's paid chat
 * and facilitator route handlers on 127.0.0.1, and starting what instrumentation.ts starts (the ledger, the
 * reconciler, the tab claimer, the exact settlement worker). Configured by the environment (LOCAL_RPC_URL, DATABASE_URL, ...), as the app is.
 * Prints one JSON line {"url"} once it serves; SIGTERM stops the claimer and the worker (freeing their locks) and the server.
 *
 * Test-only route: POST /test/claimer with {"action":"tick"|"claimNow"} runs this process's claimer once and
 * answers its report, so a test can see which process claims and which stands by. POST /test/reconcile with
 * {"olderThanMs"} runs one reconciliation pass of unfinished exact payments here and answers its reports. GET
 * /test/settlement-worker answers {"holder", "settled"}: whether this process is the exact settlement worker
 * now, and how many payments it settled as the worker.
 *
 * Run: node --conditions=react-server --import tsx test/support/app-routes-process.ts (see startRoutesProcess).
 */
import { serveRoutes, type Route } from "@/lib/devtools/route-server";
import { getLedger } from "@/lib/ledger";
import { handleFacilitatorRequest, handleFacilitatorSupported } from "@/lib/x402/facilitator/http";
import { reconcileUnfinishedPayments, startReconciler } from "@/lib/x402/server/reconcile";
import { handlePaidAgentChat, handlePaidAgentGet } from "@/lib/x402/server/paid-chat";
import { getTabClaimer, startSettlement, stopSettlement } from "@/lib/x402/settlement/start";
import { getSettlementWorker } from "@/lib/x402/settlement/worker";

const routes: Route[] = [
  { method: "POST", path: "/api/x402/:agentId/chat", handle: (req, p) => handlePaidAgentChat(req, p.agentId!) },
  { method: "GET", path: "/api/x402/:agentId/chat", handle: (req, p) => handlePaidAgentGet(req, p.agentId!) },
  { method: "POST", path: "/api/facilitator/verify", handle: (req) => handleFacilitatorRequest(req, "verify") },
  { method: "POST", path: "/api/facilitator/settle", handle: (req) => handleFacilitatorRequest(req, "settle") },
  { method: "GET", path: "/api/facilitator/supported", handle: () => handleFacilitatorSupported() },
  {
    method: "POST",
    path: "/test/claimer",
    handle: async (req) => {
      const { action } = (await req.json()) as { action: "tick" | "claimNow" };
      const claimer = await getTabClaimer();
      const report = action === "claimNow" ? await claimer.claimNow() : await claimer.tick();
      return Response.json(report);
    },
  },
  {
    // Whether this process is the deployment's exact settlement worker now.
    method: "GET",
    path: "/test/settlement-worker",
    handle: async () => {
      const worker = await getSettlementWorker();
      await worker.tick();
      return Response.json({ holder: worker.holder, settled: worker.settled });
    },
  },
  {
    method: "POST",
    path: "/test/reconcile",
    handle: async (req) => {
      const { olderThanMs } = (await req.json()) as { olderThanMs: number };
      return Response.json(await reconcileUnfinishedPayments({ olderThanMs }));
    },
  },
];

await getLedger();
startReconciler();
await startSettlement();
const server = await serveRoutes(routes);
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

process.once("SIGTERM", () => {
  void (async () => {
    await stopSettlement();
    await server.close();
    process.exit(0);
  })();
});
