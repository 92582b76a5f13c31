/**
 * Every key the app keeps in the browser's storage, in one table. Existing users' data is read back under these
 * names, so a key is never renamed: a new format gets a new version in its name.
 */

const VAULT_PREFIX = "x402chat:vault:v1:";

export const storageKeys = {
  /** localStorage: one encrypted wallet per network (lib/wallet/vault.ts). */
  vault: (chainId: number) => `${VAULT_PREFIX}${chainId}`,
  vaultPrefix: VAULT_PREFIX,
  /** localStorage: the selected network's key, shared by every tab. */
  network: "x402chat:network:v1",
  /** localStorage: minutes of inactivity before the wallet locks. */
  autoLockMinutes: "x402chat:wallet:auto-lock-minutes:v1",
  /** localStorage: the spending policy, for every network. */
  policy: "x402chat:policy:v1",
  /** localStorage: spent on a network on a local day (YYYY-MM-DD), in atomic units. */
  spentOnDay: (chainId: number, day: string) => `x402chat:spent:v1:${chainId}:${day}`,
  /** sessionStorage: spent on a network in this tab's session, in atomic units. */
  spentInSession: (chainId: number) => `x402chat:spent-session:v1:${chainId}`,
  /** localStorage: the conversations of a network. */
  conversations: (chainId: number) => `x402chat:conversations:v1:${chainId}`,
  /** localStorage: the payment history of a network. */
  history: (chainId: number) => `x402chat:history:v1:${chainId}`,
  /** localStorage: the payment journal of a network: payments signed whose outcome this browser has not recorded yet. */
  journal: (chainId: number) => `x402chat:journal:v1:${chainId}`,
  /** localStorage: the tabs (x402 batch-settlement channels) this browser pays on a network, with their state. */
  tabs: (chainId: number) => `x402chat:tabs:v1:${chainId}`,
  /** localStorage: which wallet pays on a network, "local" or "external". */
  payWith: (chainId: number) => `x402chat:pay-with:v1:${chainId}`,
  /** localStorage, set by e2e tests only: the mock external wallet to offer. */
  e2eMockWallet: "x402chat:e2e:mock-wallet",
} as const;
