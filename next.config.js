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
};

export default nextConfig;
