// The Content Security Policy is not here: it carries a fresh script nonce per
// request, so proxy.ts sets it (see lib/http/csp.ts). These headers are fixed.
const securityHeaders = [
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
    // The paid agent routes skip proxy.ts (see its matcher): their policy is fixed, as nothing there runs script.
    const apiPolicy = { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" };
    return [
      { source: "/:path*", headers: securityHeaders },
      { source: "/api/x402/:path*", headers: [apiPolicy] },
      { source: "/agent/:path*", headers: [apiPolicy] },
    ];
  },
};

export default nextConfig;
