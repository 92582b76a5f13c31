/** The facilitator's API keys as the keys route sends them and the /facilitator page reads them. */

/** What a key's owner sees of it: never its hash. */
export interface FacilitatorKeyView {
  id: string;
  name: string;
  keyPrefix: string;
  networks: string[] | null;
  ratePerMinute: number;
  verifications: number;
  settlements: number;
  /** Atomic units. */
  volume: string;
  gasWei: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
