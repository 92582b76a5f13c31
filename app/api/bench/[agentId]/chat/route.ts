import { handleBenchFreeChat } from "@/lib/devtools/bench/free-reply";

export const dynamic = "force-dynamic";

/** The benchmark's unpaid reply; a 404 unless the app started with BENCH_FREE_ROUTE=1. */
export async function POST(req: Request, ctx: { params: Promise<{ agentId: string }> }) {
  const { agentId } = await ctx.params;
  return handleBenchFreeChat(req, agentId);
}
