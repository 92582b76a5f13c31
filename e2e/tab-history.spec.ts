import { expect, test } from "@playwright/test";
import { formatUsdc } from "../lib/chains/usdc";
import { ChatPage } from "./pages/chat";
import { HistoryPage } from "./pages/history";
import { WalletPage } from "./pages/wallet";
import { usdcOf } from "./support/chain";

test("a tab in the budgets and the history: the deposit reserved, not spent; over the per-message cap the dialog asks; after Close the history shows the deposit, each charge and the refund, spent = the charges = what the wallet lost, matching the chain", async ({ page }) => {
  const [wallet, chat, history] = [new WalletPage(page), new ChatPage(page), new HistoryPage(page)];
  const address = await wallet.startFunded();
  const start = await usdcOf(address);
  const session = page.getByTestId("policy-spent-session");

  await chat.openAgent();
  await page.getByTestId("tab-open").click();
  await chat.send("What is the current price of ETH?");
  await expect(chat.receipt).toHaveAttribute("data-status", "paid");
  // The deposit (0.2) is reserved: what the first charge took of it is spent, the rest stays reserved.
  const spent = BigInt((await session.getAttribute("data-atomic"))!);
  expect(spent).toBeGreaterThan(0n);
  await expect(session).toHaveAttribute("data-reserved", (200_000n - spent).toString());
  await expect(session).toContainText(`reserved in tabs of 1 USDC this session`);

  // A cap below the agent's maximum: the tab asks as exact does, and pays once approved.
  await chat.setMaxPerMessage("0.005");
  await chat.send("And the price of BTC?");
  await expect(chat.approvalDialog).toHaveAttribute("data-kind", "over-policy");
  await page.getByTestId("approval-pay").click();
  await expect(chat.receipt).toHaveCount(2);
  await expect(chat.receipt.nth(1)).toHaveAttribute("data-status", "paid");

  await page.getByTestId("tab-close").click();
  await expect(page.getByTestId("tab-closed")).toContainText("refunded");
  // Closed: nothing reserved any more; spent is the two charges.
  await expect(session).toHaveAttribute("data-reserved", "0");

  await page.getByRole("link", { name: "Payment history" }).click();
  await expect(history.rows).toHaveCount(4);
  const kinds = await history.rows.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")));
  expect(kinds).toEqual(["tab-refund", "tab-charge", "tab-charge", "tab-deposit"]);
  const amounts = await history.rows.evaluateAll((rows) => rows.map((r) => BigInt(r.getAttribute("data-amount")!).toString()));
  const [refund, first, second, deposit] = amounts.map(BigInt) as [bigint, bigint, bigint, bigint];
  const charges = first + second;
  expect(deposit).toBe(200_000n);
  expect(deposit - refund).toBe(charges);
  // The deposit and the refund each link their transaction; a charge is a voucher, with none.
  const rowOf = (kind: string) => page.locator(`[data-testid=history-row][data-kind=${kind}]`);
  await expect(rowOf("tab-deposit").getByTestId("history-tx")).toHaveAttribute("href", /^\/tx\/0x[0-9a-f]{64}$/);
  await expect(rowOf("tab-refund").getByTestId("history-tx")).toHaveAttribute("href", /^\/tx\/0x[0-9a-f]{64}$/);
  await expect(rowOf("tab-charge").getByTestId("history-tx")).toHaveText(["— voucher", "— voucher"]);
  // Spent: the sum of the charges, to the unit, which is what the wallet lost on chain.
  await expect(history.spent).toHaveText(formatUsdc(charges, 6));
  await expect(page.getByTestId("stat-messages")).toHaveText("2");
  expect(await usdcOf(address)).toBe(start - charges);
  // Reconciled with channels(channelId) on chain.
  await expect(page.getByTestId("history-reconciled")).toHaveText([" · matches chain", " · matches chain"]);
  await expect(page.getByTestId("history-reconciled").first()).toHaveAttribute("data-matches", "true");
});
