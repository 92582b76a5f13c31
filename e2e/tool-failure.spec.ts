import { expect, test } from "@playwright/test";
import { ChatPage } from "./pages/chat";
import { WalletPage } from "./pages/wallet";
import { usdcOf } from "./support/chain";

const GUIDE = "00000000-0000-0000-0000-000000000003";

// The e2e app points DeFiLlama at a closed loopback port (global-setup), as it is offline here anyway: the
// x402 Guide's price tool then fails on every call, and the reply must cost nothing.
test("a reply whose every tool call failed is not charged, and the agent card says its toolkit is down", async ({ page }) => {
  const [wallet, chat] = [new WalletPage(page), new ChatPage(page)];
  const address = await wallet.startFunded();
  const before = await usdcOf(address);

  await expect(chat.agentCard(GUIDE)).toContainText("DeFiLlama unreachable");
  await chat.openAgent(GUIDE);
  await chat.send("What is the price of ETH in USD?");

  await expect(chat.toolCalls.first()).toHaveAttribute("data-state", "error");
  await expect(chat.receipt).toHaveAttribute("data-status", "voided");
  await expect(chat.receipt).toContainText("Not charged");
  await expect(chat.receiptTx).toHaveCount(0);
  expect(await usdcOf(address)).toBe(before);
});
