/** The browser's chain reads: through the app's read-only JSON-RPC relay, one client per chain. */
import { createPublicClient, http } from "viem";
import type { ChainReader } from "./receipt-check";

const readers = new Map<number, ChainReader>();

export function relayReader(chainId: number): ChainReader {
  let reader = readers.get(chainId);
  if (!reader) {
    reader = createPublicClient({ transport: http(`${window.location.origin}/api/rpc/${chainId}`, { retryCount: 1 }) });
    readers.set(chainId, reader);
  }
  return reader;
}
