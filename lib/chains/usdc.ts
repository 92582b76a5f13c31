/** USDC amounts for people: the one place that turns atomic units into "0.01 USDC". */
import { formatUnits } from "viem";

/**
 * "0.01 USDC" from atomic units, in the decimals of the token that holds them: pass `network.usdc.decimals` where
 * the network is known, USDC_DECIMALS only for amounts that belong to no one network. `unit: false` gives the
 * number alone, for a column or an input that already says USDC.
 */
export function formatUsdc(atomic: bigint | string, decimals: number, { unit = true }: { unit?: boolean } = {}): string {
  const text = formatUnits(BigInt(atomic), decimals);
  return unit ? `${text} USDC` : text;
}
