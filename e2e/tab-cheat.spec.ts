import { expect, test } from "@playwright/test";
import { ChatPage, MARKET } from "./pages/chat";
import { WalletPage } from "./pages/wallet";
import { head, walletTransactions } from "./support/blocks";
import { startCheatingSeller, type CheatingSeller } from "./support/cheating-seller";

let seller: CheatingSeller;
test.beforeEach(async ({ baseURL }) => {
  // Honest for the first paid message (the deposit), cheating from the second on.
  seller = await startCheatingSeller(`${baseURL}/api/x402/${MARKET}/chat`, 2);
});
test.afterEach(async () => seller.close());

/**
 * Issue 13's acceptance, a cheating seller: an outside agent (a test double on its own loopback origin, pasted by
 * its URL) that offers a tab and reports a charge above the voucher's maximum. The tab stops with a clear message,
 * nothing further is signed for it (no PAYMENT-SIGNATURE reaches the seller again, a tab's voucher or an `exact`
 * payment alike), and the tab stays listed with Close offered to get the rest back.
 */
test("a pasted seller that charges above the voucher's maximum: the tab stops with a clear message, nothing more is signed, Close is offered", async ({ page }) => {
  test.setTimeout(120_000);
  const [wallet, chat] = [new WalletPage(page), new ChatPage(page)];
  const address = await wallet.startFunded();
  const opened = await head();

  await chat.probe(seller.url);
  await expect(chat.probeResult).toHaveAttribute("data-payable", "true");
  await chat.useProbed();
  await expect(page.getByTestId("tab-proposal")).toBeVisible();
  await page.getByTestId("tab-open").click();

  await chat.send("What is the current price of ETH?");
  await expect(chat.receipt).toHaveCount(1);
  await expect(chat.receipt).toContainText("on your tab");
  expect(seller.paid()).toBe(1); // the deposit and the first voucher

  // The second reply's receipt claims the maximum plus one unit: the tab refuses it and says why.
  await chat.send("And the price of BTC?");
  await expect(chat.error).toContainText("misreported this tab's charge");
  await expect(chat.error).toContainText("nothing more will be signed");
  await expect(chat.receipt).toHaveCount(1); // the lie is not shown as a paid receipt
  expect(seller.paid()).toBe(2);

  // The tab bar says the tab is stopped and why, and offers Close and Withdraw, not a new tab.
  await expect(page.getByTestId("tab-stopped")).toContainText("stopped: the agent misreported a charge");
  await expect(page.getByTestId("tab-close")).toBeEnabled();
  await expect(page.getByTestId("tab-bar").getByTestId("open-tab-withdraw")).toBeEnabled();
  await expect(page.getByTestId("tab-proposal")).toHaveCount(0);

  // Nothing further is signed: the next messages reach the seller unpaid (its quote only), and are refused.
  for (const text of ["Try again: the price of ETH?", "And SOL?"]) {
    await chat.send(text);
    await expect(chat.error).toContainText("nothing more will be signed");
  }
  expect(seller.hits.filter((h) => h.method === "POST").length).toBeGreaterThanOrEqual(4);
  expect(seller.paid(), "paid requests after the stop").toBe(2);

  // The tab is still listed, marked stopped, with Close offered to get the unspent deposit back.
  await expect(page.getByTestId("open-tab")).toHaveCount(1);
  await expect(page.getByTestId("open-tab-stopped")).toContainText("Stopped: the agent misreported a charge");
  await expect(page.getByTestId("open-tab-close")).toBeEnabled();
  // On chain the wallet's only transaction was the deposit.
  const beforeClose = await head();
  const [deposit, ...others] = await walletTransactions(address, opened, beforeClose);
  expect(others).toHaveLength(0);
  expect(deposit!.usdcOut).toBeGreaterThan(0n);

  // Close, for this pasted agent through the proxy: one refund transaction, the deposit less what the route charged
  // under the vouchers this wallet signed (the first receipt, and the second message's own charge, not the lie).
  await page.getByTestId("open-tab-close").click();
  await expect(page.getByTestId("open-tabs-refund")).toContainText("Refunded");
  const closing = await walletTransactions(address, beforeClose, await head());
  expect(closing).toHaveLength(1);
  expect(closing[0]!.usdcIn).toBe(deposit!.usdcOut - seller.charged());
  expect(closing[0]!.usdcOut).toBe(0n);
  expect(seller.hits.some((h) => h.method === "GET" && h.paid), "the refund reached the seller").toBe(true);
});
