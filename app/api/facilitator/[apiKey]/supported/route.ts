import { handleKeyedSupported } from "@/lib/x402/facilitator/keys";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, ctx: { params: Promise<{ apiKey: string }> }) {
  return handleKeyedSupported((await ctx.params).apiKey);
}
