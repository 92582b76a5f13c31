import { handleMcpRequest, mcpPreflight } from "@/lib/x402/server/mcp";

export const dynamic = "force-dynamic";

/** The MCP server (streamable HTTP, stateless): agents list, quote and pay our agents over x402. */
export function POST(req: Request) {
  return handleMcpRequest(req);
}

export function OPTIONS() {
  return mcpPreflight();
}
