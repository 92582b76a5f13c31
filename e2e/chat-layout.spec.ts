import { expect, test } from "@playwright/test";
import { startExternalX402Server } from "../test/support/external-x402-server";
import { ChatPage } from "./pages/chat";
import { Layout } from "./pages/layout";
import { WalletPage } from "./pages/wallet";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

for (const viewport of [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
]) {
  test.describe(`at ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport });

    test("after three replies the latest reply and the composer are in view; scrolled up, 'Jump to latest' brings the reply back", async ({ page }) => {
      const [chat, layout] = [new ChatPage(page), new Layout(page)];
      await new WalletPage(page).startFunded();
      await chat.openAgent();
      for (let n = 1; n <= 3; n++) {
        await chat.send("What is the current price of ETH?");
        await expect(chat.receipt).toHaveCount(n);
        await expect(chat.receipt.nth(n - 1)).toHaveAttribute("data-success", "true");
        await expect(chat.receipt.nth(n - 1)).toBeInViewport();
        await expect(chat.input).toBeInViewport();
        await expect(chat.sendButton).toBeInViewport();
      }
      // The list scrolls, not the page: the header stays on screen.
      await expect(layout.header).toBeInViewport();

      // Reading back: the list stays where the user put it, and offers the way down.
      await expect(layout.jumpToLatest).toHaveCount(0);
      await layout.scrollMessagesToTop();
      await expect(layout.jumpToLatest).toBeVisible();
      await expect(chat.receipt.last()).not.toBeInViewport();
      await expect(chat.input).toBeInViewport();
      await layout.jumpToLatest.click();
      await expect(chat.receipt.last()).toBeInViewport();
      await expect(layout.jumpToLatest).toHaveCount(0);

      // Sending from up the list follows the new reply.
      await layout.scrollMessagesToTop();
      await chat.send("What is the current price of ETH?");
      await expect(chat.receipt).toHaveCount(4);
      await expect(chat.receipt.last()).toHaveAttribute("data-success", "true");
      await expect(chat.receipt.last()).toBeInViewport();
    });

    test("the header stays on one line and inside the page", async ({ page }) => {
      const layout = new Layout(page);
      await page.goto("/");
      await expect(layout.walletToggle).toHaveText("Create wallet");
      const box = (await layout.header.boundingBox())!;
      expect(box.height).toBeLessThanOrEqual(57); // h-14 and its border: one line
      expect(await layout.header.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      for (const child of [page.getByText("x402 Chat", { exact: true }), page.getByTestId("network-selector"), layout.walletToggle]) {
        await expect(child).toBeInViewport({ ratio: 1 });
      }
    });
  });
}

test.describe("at 1280×800", () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test("a long agent description is cut short, and the side panel stays on screen", async ({ page }) => {
    const [chat, layout] = [new ChatPage(page), new Layout(page)];
    const description = `${"A very thorough agent that explains everything at length. ".repeat(12)}${"x".repeat(300)}`;
    const agent = await startExternalX402Server({ rpcUrl: process.env.E2E_ANVIL_RPC_URL!, description });
    try {
      await page.goto("/");
      await chat.probe(`${agent.url}/chat`);
      await chat.useProbed();
      await expect(page.getByTestId("chat-agent-description")).toContainText("A very thorough agent");
      await expect(layout.sidePanel).toBeInViewport({ ratio: 1 });
      const panel = (await layout.sidePanel.boundingBox())!;
      expect(panel.x + panel.width).toBeLessThanOrEqual(1280);
      expect(panel.width).toBeGreaterThanOrEqual(300);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    } finally {
      await agent.stop();
    }
  });
});

test("the first screen says what the app is and highlights the next step, from no wallet to picking an agent", async ({ page }) => {
  const [wallet, layout, chat] = [new WalletPage(page), new Layout(page), new ChatPage(page)];
  await page.goto("/");
  await expect(layout.guide).toContainText("Chat with AI agents that charge per message");
  await layout.expectCurrentStep("wallet");

  // The highlighted step's button opens the wallet on its create form.
  await layout.guideAction.click();
  await expect(wallet.panel).toBeVisible();
  await page.getByTestId("create-password").fill("e2e password one");
  await page.getByTestId("create-confirm").fill("e2e password one");
  await page.getByTestId("create-submit").click();
  await expect(wallet.area).toHaveAttribute("data-state", "unlocked");
  await layout.expectCurrentStep("funds");
  await expect(layout.step("wallet")).toHaveAttribute("data-state", "done");

  await wallet.getTestFunds();
  await wallet.close();
  await layout.expectCurrentStep("agent");

  // Agent cards name their network and status in words, and show no UUID.
  const card = chat.agentCard();
  await expect(card).toContainText("Local dev chain");
  await expect(card).not.toContainText(UUID);
});

test("a message without a wallet says to create one, and the button opens the wallet; without funds it names the faucet's button", async ({ page }) => {
  const [wallet, layout, chat] = [new WalletPage(page), new Layout(page), new ChatPage(page)];
  await page.goto("/");
  await chat.openAgent();
  await chat.send("What is the current price of ETH?");
  await expect(chat.error).toHaveAttribute("data-kind", "no-wallet");
  await expect(chat.error).toContainText("No wallet yet");
  await expect(chat.error).not.toContainText("Unlock");
  await expect(layout.errorAction).toHaveText("Create a wallet");
  await layout.errorAction.click();
  await expect(wallet.panel).toBeVisible();
  await expect(page.getByTestId("create-submit")).toBeVisible();

  await page.getByTestId("create-password").fill("e2e password one");
  await page.getByTestId("create-confirm").fill("e2e password one");
  await page.getByTestId("create-submit").click();
  await expect(wallet.area).toHaveAttribute("data-state", "unlocked");
  await wallet.close();
  await chat.send("What is the current price of ETH?");
  await expect(chat.error).toHaveAttribute("data-kind", "funds");
  await expect(chat.error).toContainText("“Get test funds”");
  await layout.errorAction.click();
  await expect(wallet.faucetButton).toHaveText("Get test funds");
});

test("the wallet panel is a dialog that closes on Escape (focus back on its button) and on a click outside", async ({ page }) => {
  const [wallet, layout] = [new WalletPage(page), new Layout(page)];
  await page.goto("/");
  await wallet.open();
  await expect(page.getByRole("dialog", { name: /Wallet · Local dev chain/ })).toBeVisible();
  await expect(layout.walletToggle).toHaveAttribute("aria-expanded", "true");
  // The focus went into the panel.
  expect(await wallet.panel.evaluate((el) => el.contains(document.activeElement))).toBe(true);

  await page.keyboard.press("Escape");
  await expect(wallet.panel).toBeHidden();
  await expect(layout.walletToggle).toBeFocused();
  await expect(layout.walletToggle).toHaveAttribute("aria-expanded", "false");

  await wallet.open();
  await page.getByTestId("create-password").click(); // a click inside keeps it open
  await expect(wallet.panel).toBeVisible();
  await layout.guide.click({ position: { x: 5, y: 5 } });
  await expect(wallet.panel).toBeHidden();
});
