import { corsPreflight } from "@/lib/x402/server/cors";
import { handlePaidAgentChat } from "@/lib/x402/server/paid-chat";

export const dynamic = "force-dynamic";

export async function POST(req: Request, ctx: { params: Promise<{ agentId: string }> }) {
  const { agentId } = await ctx.params;
  return handlePaidAgentChat(req, agentId);
}

export function OPTIONS() {
  return corsPreflight();
}
