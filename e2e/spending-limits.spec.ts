import { expect, test, type Page } from "@playwright/test";
import { ChatPage } from "./pages/chat";
import { WalletPage } from "./pages/wallet";
import { usdcOf } from "./support/chain";

/** The payment headers the page sent: a signed payment leaves the browser in one of them. */
function paymentHeaders(page: Page): string[] {
  const sent: string[] = [];
  page.on("request", (r) => {
    const headers = r.headers();
    for (const name of ["payment-signature", "x-payment"]) if (headers[name]) sent.push(headers[name]);
  });
  return sent;
}

test("a per-message limit typed below the price applies with nothing else pressed: the message is refused by policy, nothing signed", async ({ page }) => {
  const chat = new ChatPage(page);
  const payments = paymentHeaders(page);
  const address = await new WalletPage(page).startFunded();

  // Typed only: no save button, no Enter, no leaving the field.
  await chat.maxPerMessage.fill("0.005");
  await chat.openAgent();
  await expect(chat.sendButton).toContainText("0.01 USDC");
  await chat.send("What is the current price of ETH?");

  await expect(chat.approvalDialog).toHaveAttribute("data-kind", "over-policy");
  await expect(chat.approvalDialog).toContainText("0.005 USDC");
  await chat.approvalRefuse.click();
  await expect(chat.error).toHaveAttribute("data-kind", "policy");
  await expect(chat.error).toContainText("0.01 USDC is over your per-message limit of 0.005 USDC; nothing was paid.");
  await expect(chat.receipt).toHaveCount(0);
  expect(payments).toEqual([]);
  expect(await usdcOf(address)).toBe(10_000000n);
});

test("a limit being typed that is not an amount is flagged with the limit still in force, and goes back to it when left", async ({ page }) => {
  const chat = new ChatPage(page);
  await page.goto("/");
  await chat.maxPerMessage.fill("0.1.");
  await expect(chat.policy).toHaveAttribute("data-state", "unsaved");
  await expect(chat.maxPerMessage).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("policy-maxPerMessage-error")).toContainText("0.1 USDC still applies");
  await chat.maxPerMessage.blur();
  await expect(chat.maxPerMessage).toHaveValue("0.1");
  await expect(chat.policy).toHaveAttribute("data-state", "saved");

  // Saved as typed: a reload shows it.
  await chat.setMaxPerMessage("0.02");
  await page.reload();
  await expect(chat.maxPerMessage).toHaveValue("0.02");
});

test("the session and day budgets show what was spent against them, as soon as a message is paid", async ({ page }) => {
  const chat = new ChatPage(page);
  await new WalletPage(page).startFunded();
  const session = page.getByTestId("policy-spent-session");
  const today = page.getByTestId("policy-spent-today");
  await expect(session).toHaveAttribute("data-atomic", "0");

  await chat.openAgent();
  await chat.send("What is the current price of ETH?");
  await expect(chat.receipt).toHaveAttribute("data-success", "true");

  await expect(session).toHaveAttribute("data-atomic", "10000");
  await expect(session).toContainText("0.01 of 1 USDC spent this session");
  await expect(today).toHaveAttribute("data-atomic", "10000");
  await expect(today).toContainText("0.01 of 5 USDC spent today");
});
