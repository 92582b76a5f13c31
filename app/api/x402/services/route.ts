import { listServices, publicOrigin } from "@/lib/x402/server/atelier";
import { corsHeaders, corsPreflight } from "@/lib/x402/server/cors";

export const dynamic = "force-dynamic";

/** Atelier's service list: one service per agent, each with its quote's network, price, discover and pay URLs. */
export function GET(req: Request) {
  return Response.json(listServices(publicOrigin(req)), { headers: { ...corsHeaders, "Cache-Control": "no-store" } });
}

export function OPTIONS() {
  return corsPreflight();
}
