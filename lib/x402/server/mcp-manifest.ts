/**
 * What the MCP server at /api/mcp is, for discovery (/.well-known/x402, /openapi.json) without loading the MCP SDK:
 * its path, tools, how-to-pay resource and the x402 MCP transport's metadata keys.
 */
export const MCP_PATH = "/api/mcp";
export const MCP_TOOLS = ["list_agents", "get_quote", "chat_with_agent"] as const;
export const HOW_TO_PAY_URI = "x402chat://docs/how-to-pay";
/** x402's MCP transport (specs/transports-v2/mcp.md): the payload in, the settlement out, the extension's id. */
export const PAYMENT_META = "x402/payment";
export const PAYMENT_RESPONSE_META = "x402/payment-response";
export const PAYMENT_EXTENSION = "org.x402/payment";

export function mcpManifest(origin: string) {
  return {
    url: `${origin}${MCP_PATH}`,
    transport: "streamable-http",
    tools: [...MCP_TOOLS],
    paidTools: ["chat_with_agent"],
    howToPay: HOW_TO_PAY_URI,
    payment: {
      spec: "x402 transports-v2/mcp",
      payloadMeta: PAYMENT_META,
      responseMeta: PAYMENT_RESPONSE_META,
      bindings: ["tool-result", PAYMENT_EXTENSION],
    },
  };
}
