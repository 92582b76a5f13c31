import { discoverService } from "@/lib/x402/server/atelier";
import { corsPreflight } from "@/lib/x402/server/cors";

export const dynamic = "force-dynamic";

/** ?service_id=: a 402 with the service's quote in Atelier's shape (payment_requirements). */
export function GET(req: Request) {
  return discoverService(req);
}

export function OPTIONS() {
  return corsPreflight();
}
