/** Gas per payment of batched settlements: the gas of the distinct transactions over the payments they carried. */
import { createPublicClient, http, type Hex } from "viem";

export async function gasPerPayment(rpcUrl: string, txHashes: string[]) {
  const chain = createPublicClient({ transport: http(rpcUrl) });
  const distinct = [...new Set(txHashes.map((h) => h.toLowerCase()))];
  let gas = 0n;
  for (const hash of distinct) gas += (await chain.getTransactionReceipt({ hash: hash as Hex })).gasUsed;
  return { payments: txHashes.length, transactions: distinct.length, gas: Number(gas), perPayment: txHashes.length ? Number(gas) / txHashes.length : 0 };
}
