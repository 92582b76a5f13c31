/**
 * The Content Security Policy of every page and route, set per request by
 * proxy.ts. Pages get a fresh script nonce: Next.js reads it from the request's
 * CSP header and puts it on its own inline and bootstrap scripts, so no other
 * inline script runs ('unsafe-inline' would let any injected one run).
 */

export interface CspOptions {
  /** This response's script nonce (pages); none for API routes and files, which run no script. */
  nonce?: string;
  /** `next dev`: React's dev tools need eval, hot reload needs websockets. */
  dev: boolean;
  /** RainbowKit's WalletConnect is configured (NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID). */
  walletConnect: boolean;
}

/** 128 random bits, base64: unguessable, and fresh for every response. */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

export function contentSecurityPolicy({ nonce, dev, walletConnect }: CspOptions): string {
  const connect = [
    "'self'",
    // The local dev chain runs on loopback; the e2e mock wallet talks to it directly. Not a way out to the web.
    "http://127.0.0.1:*",
    "http://localhost:*",
    ...(dev ? ["ws://127.0.0.1:*", "ws://localhost:*"] : []), // hot reload
    // RainbowKit's WalletConnect: its relay, its verify API and its explorer of wallets, only when configured.
    ...(walletConnect
      ? ["https://*.walletconnect.com", "wss://*.walletconnect.com", "https://*.walletconnect.org", "wss://*.walletconnect.org", "https://*.reown.com", "wss://*.reown.com"]
      : []),
  ];
  // 'self' lets the nonced bootstrap load the app's chunks (RainbowKit, wagmi on demand); all are same-origin.
  // No 'strict-dynamic': under it Chromium runs any inline script that code appends through the DOM, nonce or not.
  const script = nonce ? ["'self'", `'nonce-${nonce}'`] : ["'self'"];
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    // 'wasm-unsafe-eval' compiles WebAssembly only (the keystore's scrypt), never JS: eval stays refused.
    "script-src": [...script, "'wasm-unsafe-eval'", ...(dev ? ["'unsafe-eval'"] : [])],
    // Styles stay inline-capable: RainbowKit and React set style attributes, and a style cannot run script.
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": connect,
    "frame-src": walletConnect ? ["'self'", "https://verify.walletconnect.com", "https://verify.walletconnect.org"] : ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(" ")}`)
    .join("; ");
}
