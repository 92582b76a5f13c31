import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import type { Hex } from "viem";
import { ChatPage, MARKET_PAY_TO } from "./pages/chat";
import { HistoryPage } from "./pages/history";
import { WalletPage } from "./pages/wallet";
import { chain } from "./support/chain";

async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(", ")}`);
}

test("a local receipt opens its transaction in the app: succeeded, its block, the Transfer of the paid amount from payer to payee; the history links it and charts it", async ({ page }) => {
  const [chat, history] = [new ChatPage(page), new HistoryPage(page)];
  const address = await new WalletPage(page).startFunded();
  await chat.openAgent();
  await chat.send("What is the current price of ETH?");
  await expect(chat.receipt).toHaveAttribute("data-success", "true");
  const hash = (await chat.receiptTx.textContent()) as Hex;

  // The receipt links to the app's own view of the transaction (the local chain has no explorer).
  await expect(chat.receiptTx).toHaveAttribute("href", `/tx/${hash}`);
  await chat.receiptTx.click();
  await expect(page).toHaveURL(`/tx/${hash}`);
  const view = page.getByTestId("tx-view");
  await expect(view).toHaveAttribute("data-status", "success");
  const mined = await chain.getTransactionReceipt({ hash });
  await expect(page.getByTestId("tx-block")).toHaveText(mined.blockNumber.toString());
  const transfer = page.getByTestId("tx-transfer");
  await expect(transfer).toHaveCount(1);
  await expect(transfer).toHaveAttribute("data-from", address);
  await expect(transfer).toHaveAttribute("data-to", MARKET_PAY_TO);
  await expect(transfer).toHaveAttribute("data-value", "10000");
  await expect(page.getByTestId("tx-transfer-amount")).toHaveText("0.01 USDC");
  expect(await seriousViolations(page)).toEqual([]);

  // The history links the same view, and charts the payment (Chart.js, fetched with this page only).
  await page.getByRole("link", { name: "Payment history" }).click();
  await expect(history.rows).toHaveCount(1);
  await expect(history.tx).toHaveAttribute("href", `/tx/${hash}`);
  await expect(page.getByTestId("chart-spend")).toHaveAttribute("data-drawn", "true");
  await expect(page.getByTestId("chart-spend")).toHaveAttribute("data-count", "1");
  await expect(page.getByTestId("chart-agents")).toHaveAttribute("data-count", "1");
  await expect(page.getByRole("img", { name: /Spent per agent: Market Analyst: 0\.01 USDC/ })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test("on a phone the history's payments are cards that fit the screen", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const [chat, history] = [new ChatPage(page), new HistoryPage(page)];
  await new WalletPage(page).startFunded();
  await chat.openAgent();
  await chat.send("What is the current price of ETH?");
  await expect(chat.receipt).toHaveAttribute("data-success", "true");

  await page.goto("/history");
  await expect(history.rows).toHaveCount(1);
  const row = await history.rows.boundingBox();
  expect(row!.x).toBeGreaterThanOrEqual(0);
  expect(row!.x + row!.width).toBeLessThanOrEqual(390);
  // Nothing on the page scrolls sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  expect(await seriousViolations(page)).toEqual([]);
});

test("a transaction the local chain does not know says so", async ({ page }) => {
  await page.goto(`/tx/0x${"12".repeat(32)}`);
  await expect(page.getByTestId("tx-view")).toHaveAttribute("data-status", "not-found");
  const res = await page.goto("/tx/not-a-hash");
  expect(res?.status()).toBe(404);
});
