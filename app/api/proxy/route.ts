import { relay } from "@/lib/remote-agents/proxy";

export const dynamic = "force-dynamic";

/** POST ?url=<encoded agent URL>: the agent's answer, relayed so the browser's CORS does not stop it. */
export function POST(req: Request) {
  return relay(req);
}

/** GET ?url=<encoded agent URL>: relayed as a GET (a quote's probe, a tab's cooperative refund), same rules as POST. */
export function GET(req: Request) {
  return relay(req);
}
