// The paid chat handler again, under the agent-style path some x402 clients expect.
export { GET, OPTIONS, POST } from "@/app/api/x402/[agentId]/chat/route";

export const dynamic = "force-dynamic";
