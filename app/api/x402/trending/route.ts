import { trendingServices } from "@/lib/x402/server/atelier";
import { corsPreflight } from "@/lib/x402/server/cors";

export const dynamic = "force-dynamic";

/** ?limit=: agents ranked by paid messages in the ledger. */
export function GET(req: Request) {
  return trendingServices(req);
}

export function OPTIONS() {
  return corsPreflight();
}
