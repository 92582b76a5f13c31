import { expect, test } from "@playwright/test";
import { NetworkBar } from "./pages/network";
import { chain } from "./support/chain";

test("the first page shows the local chain's live status and block number", async ({ page }) => {
  const network = new NetworkBar(page);
  await page.goto("/");
  await expect(page.getByText("x402 Chat").first()).toBeVisible();
  await expect(network.selector).toHaveValue("local");

  await expect(network.status).toHaveAttribute("data-state", "connected");
  const shown = BigInt((await network.blockNumber.textContent()) ?? "-1");

  // The number shown is the chain's real head: never ahead of it, and it is a deployed chain (> 0 blocks).
  const head = await chain.getBlockNumber();
  expect(shown).toBeGreaterThan(0n);
  expect(shown).toBeLessThanOrEqual(head);
});

test("an unreachable network is reported, not hung on", async ({ page }) => {
  const network = new NetworkBar(page);
  await page.goto("/");
  // The e2e run points Base at a closed loopback port (global-setup).
  await network.selector.selectOption("base");
  await expect(network.status).toHaveAttribute("data-state", "unreachable");
  await expect(network.status).toContainText("Base is unreachable");

  // Switching back shows the local chain again.
  await network.selector.selectOption("local");
  await expect(network.status).toHaveAttribute("data-state", "connected");
});
