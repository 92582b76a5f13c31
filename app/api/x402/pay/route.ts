import { payService } from "@/lib/x402/server/atelier";
import { corsPreflight } from "@/lib/x402/server/cors";

export const dynamic = "force-dynamic";

/** ?service_id=: a brief paid by a USDC transfer, proven by its hash (X-PAYMENT) and network (X-Payment-Network). */
export function POST(req: Request) {
  return payService(req);
}

/** The shared preflight, also allowing X-Payment-Network, which only this route reads. */
export function OPTIONS() {
  const res = corsPreflight();
  res.headers.set("Access-Control-Allow-Headers", `${res.headers.get("Access-Control-Allow-Headers")}, X-Payment-Network`);
  return res;
}
