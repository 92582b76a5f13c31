import { corsPreflight } from "@/lib/x402/server/cors";
import { handlePaidAgentChat, handlePaidAgentGet } from "@/lib/x402/server/paid-chat";

export const dynamic = "force-dynamic";

export async function POST(req: Request, ctx: { params: Promise<{ agentId: string }> }) {
  const { agentId } = await ctx.params;
  return handlePaidAgentChat(req, agentId);
}

/** The quote, and a tab's cooperative refund (the official x402 client sends both as GETs). */
export async function GET(req: Request, ctx: { params: Promise<{ agentId: string }> }) {
  const { agentId } = await ctx.params;
  return handlePaidAgentGet(req, agentId);
}

export function OPTIONS() {
  return corsPreflight();
}
