import { explorerTxUrl, type Network } from "./networks";

/** Where a transaction is shown: the app's own view (`/tx/:hash`) on the local chain, which has no explorer; the explorer elsewhere. */
export interface TxLink {
  href: string;
  /** An outside site: open it in a new tab, without a referrer. */
  external: boolean;
}

const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

/** The link for a transaction on a network; null for something that is not a transaction hash. */
export function txLinkOf(network: Network, hash: string): TxLink | null {
  if (!TX_HASH.test(hash)) return null;
  if (network.key === "local") return { href: `/tx/${hash}`, external: false };
  const url = explorerTxUrl(network, hash);
  return url ? { href: url, external: true } : null;
}

export function isTxHash(value: string): value is `0x${string}` {
  return TX_HASH.test(value);
}
