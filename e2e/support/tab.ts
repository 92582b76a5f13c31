import { parseUnits } from "viem";

/**
 * The charge a tab receipt shows, in atomic USDC: "Paid 0.0032 USDC of max 0.01 on your tab", or a zero charge
 * ("Not charged (0 of max 0.01) …"). Any other line is not a tab charge and fails the test that reads it.
 */
export function tabCharge(line: string): bigint {
  const paid = /Paid ([\d.]+) USDC of max [\d.]+/.exec(line);
  if (paid) return parseUnits(paid[1]!, 6);
  const zero = /Not charged \(([\d.]+)(?: USDC)? of max [\d.]+/.exec(line);
  if (zero) return parseUnits(zero[1]!, 6);
  throw new Error(`not a tab receipt: ${JSON.stringify(line)}`);
}
