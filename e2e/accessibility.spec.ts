import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { ChatPage } from "./pages/chat";
import { HistoryPage } from "./pages/history";
import { WalletPage } from "./pages/wallet";

/** axe-core's serious and critical findings on the page as it is now (WCAG 2.x A and AA rules and best practices). */
async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ rule: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}

for (const viewport of [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
]) {
  test.describe(`at ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport });

    test("axe finds no serious or critical violation on /, its wallet panel, a paid chat, and /history", async ({ page }) => {
      const [wallet, chat, history] = [new WalletPage(page), new ChatPage(page), new HistoryPage(page)];
      await page.goto("/");
      await expect(page.getByTestId("agent-card-00000000-0000-0000-0000-000000000001")).toBeVisible();
      expect(await seriousViolations(page), "first screen").toEqual([]);

      await wallet.open();
      expect(await seriousViolations(page), "wallet panel, empty").toEqual([]);
      await wallet.close();
      await wallet.create();
      await wallet.getTestFunds();
      expect(await seriousViolations(page), "wallet panel, funded").toEqual([]);
      await wallet.close();

      await chat.openAgent();
      await chat.send("What is the current price of ETH?");
      await expect(chat.receipt).toHaveAttribute("data-success", "true");
      await chat.toolCalls.first().locator("summary").click(); // the raw JSON, open
      for (const reasoning of await page.getByTestId("message-reasoning").all()) await reasoning.locator("summary").click();
      expect(await seriousViolations(page), "chat with a paid reply").toEqual([]);

      await history.open();
      await expect(history.spent).toHaveText("0.01 USDC");
      expect(await seriousViolations(page), "/history").toEqual([]);
    });
  });
}
