import { handleFacilitatorSupported } from "@/lib/x402/facilitator/http";

export const dynamic = "force-dynamic";

export function GET() {
  return handleFacilitatorSupported();
}
