import { expect, test } from "@playwright/test";
import { ChatPage } from "./pages/chat";
import { WalletPage } from "./pages/wallet";
import { head, walletTransactions } from "./support/blocks";
import { usdcOf } from "./support/chain";
import { tabCharge } from "./support/tab";

const MESSAGES = 10;

/**
 * Issue 13's acceptance with the local wallet, read from the chain block by block: a tab of ten messages costs the
 * wallet one deposit transaction and nothing else on chain until Close, which is one refund; what is left is the
 * start less the charges the receipts show, to the atomic unit.
 */
test("local wallet: ten messages on a tab are one deposit transaction and nothing else on chain until Close's one refund; the wallet ends at start − the receipts' charges", async ({ page }) => {
  test.setTimeout(240_000);
  const [wallet, chat] = [new WalletPage(page), new ChatPage(page)];
  const address = await wallet.startFunded();
  const start = await usdcOf(address);
  const opened = await head();

  await chat.openAgent();
  await page.getByTestId("tab-open").click();
  for (let i = 1; i <= MESSAGES; i += 1) {
    await chat.send(`What is the current price of ETH? (${i})`);
    await expect(chat.receipt).toHaveCount(i);
    await expect(chat.receipt.nth(i - 1)).toContainText("on your tab");
  }
  const charges = (await chat.receipt.allTextContents()).map(tabCharge);
  expect(charges).toHaveLength(MESSAGES);
  const charged = charges.reduce((a, b) => a + b, 0n);
  expect(charged).toBeGreaterThan(0n);

  // Until Close: one transaction touched the wallet, the deposit, and it only took USDC out.
  const beforeClose = await head();
  const during = await walletTransactions(address, opened, beforeClose);
  expect(during, "transactions touching the wallet during the tab").toHaveLength(1);
  const deposit = during[0]!;
  expect(deposit.usdcOut).toBeGreaterThan(0n);
  expect(deposit.usdcIn).toBe(0n);

  await page.getByTestId("tab-close").click();
  await expect(page.getByTestId("tab-closed")).toContainText("refunded");
  // Close: one transaction, the refund of what the receipts did not charge.
  const closing = await walletTransactions(address, beforeClose, await head());
  expect(closing, "transactions touching the wallet at Close").toHaveLength(1);
  expect(closing[0]!.usdcIn).toBe(deposit.usdcOut - charged);
  expect(closing[0]!.usdcOut).toBe(0n);
  expect(await usdcOf(address)).toBe(start - charged);
});
