import { parseUnits, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { fundLocalAccount } from "../../devchain/deploy";

/** `count` fresh keys on the local chain, each holding `usdcEach` test USDC: one per concurrent client. */
export async function fundedPayers(rpcUrl: string, count: number, usdcEach: string): Promise<PrivateKeyAccount[]> {
  const payers = Array.from({ length: count }, () => privateKeyToAccount(generatePrivateKey()));
  for (const payer of payers) await fundLocalAccount(rpcUrl, payer.address, { usdc: parseUnits(usdcEach, 6), eth: 0n });
  return payers;
}

export const addressesOf = (payers: PrivateKeyAccount[]): Address[] => payers.map((p) => p.address);
