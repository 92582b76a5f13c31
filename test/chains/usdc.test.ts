import { describe, expect, it } from "vitest";
import { NETWORK_LIST, USDC_DECIMALS } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";

describe("formatUsdc", () => {
  it("writes atomic units in the token's decimals, with the unit", () => {
    expect(formatUsdc(10_000n, 6)).toBe("0.01 USDC");
    expect(formatUsdc("1500000", 6)).toBe("1.5 USDC");
    expect(formatUsdc(0n, 6)).toBe("0 USDC");
    // The decimals are the caller's, never an assumed 6.
    expect(formatUsdc(10_000n, 2)).toBe("100 USDC");
    expect(formatUsdc(10n ** 18n, 18)).toBe("1 USDC");
  });

  it("gives the number alone for a column or an input that already says USDC", () => {
    expect(formatUsdc(123_456n, 6, { unit: false })).toBe("0.123456");
  });

  it("USDC_DECIMALS is what every network's USDC has", () => {
    for (const network of NETWORK_LIST) expect(network.usdc.decimals).toBe(USDC_DECIMALS);
  });
});
