/**
 * The header the chat sends with every request to /api/proxy. An HTML form
 * cannot send a custom header, and a page on another origin can send one only
 * after a CORS preflight, which the proxy never grants: a request carrying it
 * comes from this app's own scripts.
 */
export const PROXY_CLIENT_HEADER = { name: "X-Requested-By", value: "x402-chat" } as const;

export const PROXY_PATH = "/api/proxy";

/**
 * The policy of every relayed answer on top of the app's own: nothing in it runs, loads or frames. proxy.ts adds
 * it, since Next.js keeps the CSP its proxy sets over the one a route returns.
 */
export const RELAYED_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'";
