/** Dollars as a sentence shows them: cents, or up to six decimals below one dollar. */
export function usd(amount: number, fractionDigits = 2): string {
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: amount < 1 && amount > 0 ? 6 : fractionDigits,
  }).format(amount);
}
