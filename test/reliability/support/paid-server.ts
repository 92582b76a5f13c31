/**
 * The paid chat route alone in its own process, started the way the app
 * starts (instrumentation's register: migrations, facilitators, reconciliation),
 * so a test can kill it with SIGKILL and start it again. Its configuration is
 * the app's environment (DATA_DIR, LOCAL_RPC_URL, FACILITATOR_URL,
 * RECONCILE_AFTER_MS). Prints `LISTENING <url>` once it serves.
 *
 *   node --conditions=react-server --import tsx test/reliability/support/paid-server.ts
 */
import { register } from "@/instrumentation";
import { handlePaidAgentChat } from "@/lib/x402/server/paid-chat";
import { serveRoutes } from "../../../lib/devtools/route-server";

process.env.NEXT_RUNTIME = "nodejs";
await register();
const server = await serveRoutes([
  { method: "POST", path: "/api/x402/:agentId/chat", handle: (req, p) => handlePaidAgentChat(req, p.agentId!) },
]);
console.log(`LISTENING ${server.url}`);
