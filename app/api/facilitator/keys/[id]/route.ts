import { handleRevokeKey } from "@/lib/x402/facilitator/key-admin";

export const dynamic = "force-dynamic";

export async function DELETE(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const { id } = await ctx.params;
  return handleRevokeKey(req, id);
}
