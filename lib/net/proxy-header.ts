/**
 * The header the chat sends with every request to /api/proxy. An HTML form
 * cannot send a custom header, and a page on another origin can send one only
 * after a CORS preflight, which the proxy never grants: a request carrying it
 * comes from this app's own scripts.
 */
export const PROXY_CLIENT_HEADER = { name: "X-Requested-By", value: "x402-chat" } as const;
