const dev = process.env.NODE_ENV !== "production";
const walletConnect = Boolean(process.env.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID);

/**
 * The Content Security Policy of every page and route. Headers are fixed at
 * build time, so there is no per-request nonce: Next.js's inline bootstrap
 * scripts need 'unsafe-inline'. 'unsafe-eval' only in dev, for React refresh.
 */
function contentSecurityPolicy() {
  const connect = [
    "'self'",
    // The local dev chain runs on loopback; the e2e mock wallet talks to it directly. Not a way out to the web.
    "http://127.0.0.1:*",
    "http://localhost:*",
    ...(dev ? ["ws://127.0.0.1:*", "ws://localhost:*"] : []), // hot reload
    // RainbowKit's WalletConnect: its relay, its verify API and its explorer of wallets, only when configured.
    ...(walletConnect ? ["https://*.walletconnect.com", "wss://*.walletconnect.com", "https://*.walletconnect.org", "wss://*.walletconnect.org", "https://*.reown.com", "wss://*.reown.com"] : []),
  ];
  const directives = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'", ...(dev ? ["'unsafe-eval'"] : [])],
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

const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy() },
  // no-referrer: explorer links and agent URLs learn nothing about which page (or conversation) sent the user.
  { key: "Referrer-Policy", value: "no-referrer" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Node-only packages that must not be bundled: the CDP SDK pulls optional
  // connectors in, PGlite loads its WebAssembly from its own folder.
  serverExternalPackages: ["@coinbase/cdp-sdk", "@electric-sql/pglite"],
  // `npm test` type-checks the whole tree with `tsc` first; skipping it here
  // keeps `npm start` from paying for it twice.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
