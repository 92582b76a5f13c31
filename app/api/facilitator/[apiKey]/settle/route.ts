import { handleKeyedFacilitatorRequest } from "@/lib/x402/facilitator/keys";

export const dynamic = "force-dynamic";

export async function POST(req: Request, ctx: { params: Promise<{ apiKey: string }> }) {
  return handleKeyedFacilitatorRequest(req, (await ctx.params).apiKey, "settle");
}
