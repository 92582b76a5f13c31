/**
 * Settings the browser reads. Next inlines each literal `process.env.NEXT_PUBLIC_…` at build time (a read by name
 * is not inlined), so they are read here, literally, and the server uses the same build-time values.
 * lib/env.ts lists them for the README's configuration table.
 */
export const publicEnv = {
  /** WalletConnect Cloud project id; without it WalletConnect is not offered. */
  walletConnectProjectId: process.env.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID?.trim() || undefined,
};
