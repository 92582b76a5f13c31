import { handleFacilitatorRequest } from "@/lib/x402/facilitator/http";

export const dynamic = "force-dynamic";

export function POST(req: Request) {
  return handleFacilitatorRequest(req, "settle");
}
