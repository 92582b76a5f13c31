import { bazaarListing } from "@/lib/x402/server/atelier";
import { corsPreflight } from "@/lib/x402/server/cors";

export const dynamic = "force-dynamic";

/** ?limit=&offset=: the catalog in the Bazaar discovery format. */
export function GET(req: Request) {
  return bazaarListing(req);
}

export function OPTIONS() {
  return corsPreflight();
}
