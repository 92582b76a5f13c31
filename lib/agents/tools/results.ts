import "server-only";
import type { z } from "zod";
import { BalancesOutput, phraseBalances } from "./get-balances";
import { PriceOutput, phrasePrice } from "./get-price";
import { ProtocolTvlOutput, phraseProtocolTvl } from "./get-protocol-tvl";
import { TokenPricesOutput, phraseTokenPrices } from "./get-token-prices";
import { TransactionOutput, phraseTransaction } from "./get-transaction";

/** A tool's result in one sentence, once its own output schema has read it; null when it does not. */
const phraser =
  <T>(schema: z.ZodType<T>, phrase: (output: T) => string) =>
  (value: unknown): string | null => {
    const parsed = schema.safeParse(value);
    return parsed.success ? phrase(parsed.data) : null;
  };

const PHRASERS: Readonly<Record<string, (value: unknown) => string | null>> = {
  getPrice: phraser(PriceOutput, phrasePrice),
  getProtocolTvl: phraser(ProtocolTvlOutput, phraseProtocolTvl),
  getTokenPrices: phraser(TokenPricesOutput, phraseTokenPrices),
  getBalances: phraser(BalancesOutput, phraseBalances),
  getTransaction: phraser(TransactionOutput, phraseTransaction),
};

/** The result of one of our tools in words; null for another tool, or a result its schema does not read. */
export function phraseToolResult(toolName: string, value: unknown): string | null {
  return Object.hasOwn(PHRASERS, toolName) ? PHRASERS[toolName]!(value) : null;
}
