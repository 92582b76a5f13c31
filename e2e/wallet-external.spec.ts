import { expect, test } from "@playwright/test";
import { ANVIL_ACCOUNT_2, createWallet, enableMockWallet, openConnectModal, usdcOf } from "./support/wallet";
import { fundLocalAccount } from "../lib/devchain/deploy";

const rpcUrl = process.env.E2E_ANVIL_RPC_URL!;

test("fund the local wallet with USDC from a connected external wallet (wagmi mock on anvil #2)", async ({ page }) => {
  await fundLocalAccount(rpcUrl, ANVIL_ACCOUNT_2, { usdc: 50_000000n, eth: 0n });
  const sourceBefore = await usdcOf(ANVIL_ACCOUNT_2);
  await enableMockWallet(page);
  await page.goto("/");
  const address = await createWallet(page);
  await expect(page.getByTestId("balance-usdc")).toHaveAttribute("data-atomic", "0");

  await openConnectModal(page);
  await page.getByTestId("rk-wallet-option-e2e-mock").click();
  await expect(page.getByTestId("external-usdc")).toHaveText(String(Number(sourceBefore) / 1e6));

  await page.getByTestId("fund-amount").fill("7.5");
  await page.getByTestId("fund-submit").click();
  await expect(page.getByTestId("fund-status")).toContainText("Sent 7.5 USDC (tx 0x");
  await expect(page.getByTestId("balance-usdc")).toHaveAttribute("data-atomic", "7500000", { timeout: 5_000 });
  expect(await usdcOf(address)).toBe(7_500000n);
  expect(await usdcOf(ANVIL_ACCOUNT_2)).toBe(sourceBefore - 7_500000n);
});

test("without the test flag the mock wallet is not offered; the Local Wallet is", async ({ page }) => {
  await page.goto("/");
  await createWallet(page);
  await openConnectModal(page);
  await expect(page.getByTestId("rk-wallet-option-e2e-mock")).toHaveCount(0);
  // The Local Wallet connects with the unlocked key, and funding from itself is not offered.
  await page.getByTestId("rk-wallet-option-x402chat-local").click();
  await expect(page.getByTestId("external-wallets")).toContainText("Connect another wallet to fund this one from it.");
});
