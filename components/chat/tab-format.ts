/**
 * How a tab reads in the chat: its receipts' first line, the send button during a tab, and the timed withdrawal's
 * countdown. Pure, and small enough to stay in the first load (the tab payer itself loads on demand).
 */
import { formatUsdc } from "@/lib/chains/usdc";

/**
 * A tab reply's headline: "Paid 0.0032 USDC of max 0.01 on your tab", or for a reply charged nothing
 * "Not charged (0 of max 0.01) · nothing taken from your tab" (a zero is not a payment).
 */
export function tabReceiptTitle(charged: bigint | string, max: bigint | string, decimals: number): string {
  const maxText = formatUsdc(max, decimals, { unit: false });
  if (BigInt(charged) === 0n) return `Not charged (0 of max ${maxText}) · nothing taken from your tab`;
  return `Paid ${formatUsdc(charged, decimals)} of max ${maxText} on your tab`;
}

/** The send button while a tab pays the agent: its price is a ceiling, taken from the tab, not a payment. */
export function tabSendLabel(price: bigint, decimals: number): string {
  return `Send · up to ${formatUsdc(price, decimals, { unit: false })} on your tab`;
}

/** Seconds left until `readyAt` (Unix seconds), never negative. */
export function secondsLeft(readyAt: number, nowSeconds: number): number {
  return Math.max(0, Math.ceil(readyAt - nowSeconds));
}

/** "14:59" for what is left of a timed withdrawal; hours when it is that long ("1:02:03"), days beyond ("2 d 03:00:00"). */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  const clock = `${pad(minutes)}:${pad(s % 60)}`;
  if (days > 0) return `${days} d ${pad(hours)}:${clock}`;
  return hours > 0 ? `${hours}:${clock}` : clock;
}

/** Why a tab stopped, in a few words ("Stopped: <this>"): its stored code, not the seller's own figures. */
export function tabStoppedWhy(stopped: { code: string }): string {
  return stopped.code === "tab_seller_misbehaved" ? "the agent misreported a charge" : "a check of the agent failed";
}
