import { describe, expect, it } from "vitest";
import { formatCountdown, secondsLeft, tabReceiptTitle, tabSendLabel } from "@/components/chat/tab-format";

describe("a tab's words in the chat", () => {
  it("a reply charged nothing reads as not charged, never as a payment of 0", () => {
    expect(tabReceiptTitle(0n, 10_000n, 6)).toBe("Not charged (0 of max 0.01) · nothing taken from your tab");
    expect(tabReceiptTitle("0", "10000", 6)).not.toContain("Paid");
  });

  it("a charged reply reads as paid, of the voucher's maximum, on the tab", () => {
    expect(tabReceiptTitle(3_200n, 10_000n, 6)).toBe("Paid 0.0032 USDC of max 0.01 on your tab");
    expect(tabReceiptTitle("1", "10000", 6)).toBe("Paid 0.000001 USDC of max 0.01 on your tab");
  });

  it("the send button names a ceiling on the tab", () => {
    expect(tabSendLabel(10_000n, 6)).toBe("Send · up to 0.01 on your tab");
  });

  it("the withdrawal's countdown: minutes and seconds, hours and days when that long, never below zero", () => {
    expect(formatCountdown(899)).toBe("14:59");
    expect(formatCountdown(900)).toBe("15:00");
    expect(formatCountdown(0)).toBe("00:00");
    expect(formatCountdown(-5)).toBe("00:00");
    expect(formatCountdown(3_723)).toBe("1:02:03");
    expect(formatCountdown(2 * 86_400 + 3 * 3_600)).toBe("2 d 03:00:00");
    expect(secondsLeft(1_000, 100.2)).toBe(900);
    expect(secondsLeft(1_000, 1_001)).toBe(0);
  });
});
