import { expect, test } from "@playwright/test";
import { parseUnits } from "viem";
import { ChatPage } from "./pages/chat";
import { PASSWORD, WalletPage } from "./pages/wallet";
import { chain, transfers, usdcOf } from "./support/chain";

/** A tab receipt's charge (atomic): "Paid 0.0032 USDC of max 0.01 on your tab", or 0 for "Not charged (0 of max 0.01)". */
function chargeOf(line: string): bigint {
  if (/Not charged \(0 of max 0\.01\)/.test(line)) return 0n;
  const paid = /Paid ([\d.]+) USDC of max 0\.01 on your tab/.exec(line);
  if (!paid) throw new Error(`not a tab receipt: ${line}`);
  return parseUnits(paid[1]!, 6);
}
/** A zero charge reads as not charged, never "Paid 0"; any other as paid, of the maximum, on the tab. */
const TAB_RECEIPT = /Paid (?!0 USDC)[\d.]+ USDC of max 0\.01 on your tab|Not charged \(0 of max 0\.01\) · nothing taken from your tab/;

test("a tab with the Market Analyst: one deposit for three messages, receipts of max 0.01, close refunds the rest", async ({ page }) => {
  const [wallet, chat] = [new WalletPage(page), new ChatPage(page)];
  const address = await wallet.startFunded();
  const start = await usdcOf(address);
  const fromBlock = await chain.getBlockNumber();

  await chat.openAgent();
  // The proposal: about 20 messages at the agent's maximum (0.01), within the default budgets.
  await expect(page.getByTestId("tab-proposal")).toContainText("with Market Analyst");
  await expect(page.getByTestId("tab-amount")).toHaveValue("0.2");
  await page.getByTestId("tab-open").click();
  await expect(page.getByTestId("tab-pending")).toBeVisible();

  for (let i = 1; i <= 3; i += 1) {
    await chat.send(`What is the current price of ETH? (${i})`);
    await expect(chat.receipt).toHaveCount(i);
    await expect(chat.receipt.nth(i - 1)).toHaveAttribute("data-status", "paid");
  }
  const lines = await chat.receipt.allTextContents();
  for (const line of lines) expect(line).toMatch(TAB_RECEIPT);
  const charges = lines.map(chargeOf).reduce((a, b) => a + b, 0n);
  await expect(page.getByTestId("tab-spent")).toHaveText(`${Number(charges) / 1e6} USDC`);
  // The side panel lists it too.
  await expect(page.getByTestId("open-tab")).toHaveCount(1);
  await expect(page.getByTestId("open-tab")).toContainText("Market Analyst");
  await expect(page.getByTestId("open-tab-spent")).toHaveText(`${Number(charges) / 1e6} USDC`);

  // On chain: the deposit is the only USDC that left the wallet.
  const open = await transfers(address, fromBlock);
  expect(open.out).toHaveLength(1);
  expect(open.out[0]!.args.value).toBe(200_000n);
  expect(open.in).toHaveLength(0);

  await page.getByTestId("tab-close").click();
  await expect(page.getByTestId("tab-closed")).toContainText("refunded");
  const closed = await transfers(address, fromBlock);
  expect(closed.out).toHaveLength(1);
  expect(closed.in).toHaveLength(1); // the refund
  expect(await usdcOf(address)).toBe(start - charges);
  // Closed: the next message would be offered a tab again, and pays `exact` until the user opens one.
  await expect(page.getByTestId("tab-proposal")).toBeVisible();
});

test("a reload mid-tab continues it with no new deposit; closing it from the side panel's open tabs refunds the rest", async ({ page }) => {
  const [wallet, chat] = [new WalletPage(page), new ChatPage(page)];
  const address = await wallet.startFunded();
  const start = await usdcOf(address);
  const fromBlock = await chain.getBlockNumber();

  await chat.openAgent();
  await page.getByTestId("tab-open").click();
  await chat.send("What is the current price of ETH?");
  await expect(chat.receipt).toHaveAttribute("data-status", "paid");

  // A reload locks the wallet (its key lived in memory); the tab is still open, and the conversation goes on paying it.
  await page.reload();
  await wallet.open();
  await wallet.unlock(PASSWORD);
  await wallet.close();
  await chat.conversations.first().click();
  await expect(page.getByTestId("tab-state")).toBeVisible();
  await chat.send("And the price of BTC?");
  await expect(chat.receipt).toHaveCount(2);
  await expect(chat.receipt.nth(1)).toHaveAttribute("data-status", "paid");
  // "Paid X of max 0.01 on your tab", or for a reply charged nothing "Not charged (0 of max 0.01)", never "Paid 0".
  await expect(chat.receipt.nth(1)).toContainText(TAB_RECEIPT);
  const lines = await chat.receipt.allTextContents();
  const charges = lines.map(chargeOf).reduce((a, b) => a + b, 0n);
  expect((await transfers(address, fromBlock)).out).toHaveLength(1); // no second deposit

  await page.getByTestId("open-tab-close").click();
  await expect(page.getByTestId("open-tabs-refund")).toContainText("Refunded");
  await expect(page.getByTestId("open-tab")).toHaveCount(0);
  const closed = await transfers(address, fromBlock);
  expect(closed.out).toHaveLength(1);
  expect(closed.in).toHaveLength(1);
  expect(await usdcOf(address)).toBe(start - charges);
  // The chat's tab bar follows: the next message would pay `exact` unless a tab is opened again.
  await expect(page.getByTestId("tab-proposal")).toBeVisible();
});
