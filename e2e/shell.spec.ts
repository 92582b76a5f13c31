import { expect, test } from "@playwright/test";
import { createPublicClient, http } from "viem";

test("the first page shows the local chain's live status and block number", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByText("x402 Chat").first()).toBeVisible();
  await expect(page.getByTestId("network-selector")).toHaveValue("local");

  const status = page.getByTestId("network-status");
  await expect(status).toHaveAttribute("data-state", "connected");
  const shown = BigInt((await page.getByTestId("block-number").textContent()) ?? "-1");

  // The number shown is the chain's real head: never ahead of it, and it is a deployed chain (> 0 blocks).
  const chain = createPublicClient({ transport: http(process.env.E2E_ANVIL_RPC_URL) });
  const head = await chain.getBlockNumber();
  expect(shown).toBeGreaterThan(0n);
  expect(shown).toBeLessThanOrEqual(head);
});

test("an unreachable network is reported, not hung on", async ({ page }) => {
  await page.goto("/");
  await page.getByTestId("network-selector").selectOption("base-sepolia");
  const status = page.getByTestId("network-status");
  await expect(status).toHaveAttribute("data-state", "unreachable");
  await expect(status).toContainText("Base Sepolia is unreachable");

  // Switching back shows the local chain again.
  await page.getByTestId("network-selector").selectOption("local");
  await expect(status).toHaveAttribute("data-state", "connected");
});
