import { expect, test } from "@playwright/test";
import { fundLocalAccount } from "../lib/devchain/deploy";
import { WalletPage } from "./pages/wallet";
import { ANVIL_ACCOUNT_2, usdcOf } from "./support/chain";

const rpcUrl = process.env.E2E_ANVIL_RPC_URL!;

test("fund the local wallet with USDC from a connected external wallet (wagmi mock on anvil #2)", async ({ page }) => {
  const wallet = new WalletPage(page);
  await fundLocalAccount(rpcUrl, ANVIL_ACCOUNT_2, { usdc: 50_000000n, eth: 0n });
  const sourceBefore = await usdcOf(ANVIL_ACCOUNT_2);
  await wallet.enableMockWallet();
  await page.goto("/");
  const address = await wallet.create();
  await expect(wallet.usdc).toHaveAttribute("data-atomic", "0");

  await wallet.openConnectModal();
  await wallet.connectOption("e2e-mock").click();
  await expect(wallet.externalUsdc).toHaveText(String(Number(sourceBefore) / 1e6));

  await wallet.fundAmount.fill("7.5");
  await wallet.fundSubmit.click();
  await expect(wallet.fundStatus).toContainText("Sent 7.5 USDC (tx 0x");
  await expect(wallet.usdc).toHaveAttribute("data-atomic", "7500000", { timeout: 5_000 });
  expect(await usdcOf(address)).toBe(7_500000n);
  expect(await usdcOf(ANVIL_ACCOUNT_2)).toBe(sourceBefore - 7_500000n);
});

test("without the test flag the mock wallet is not offered; the Local Wallet is", async ({ page }) => {
  const wallet = new WalletPage(page);
  await page.goto("/");
  await wallet.create();
  await wallet.openConnectModal();
  await expect(wallet.connectOption("e2e-mock")).toHaveCount(0);
  // The Local Wallet connects with the unlocked key, and funding from itself is not offered.
  await wallet.connectOption("x402chat-local").click();
  await expect(wallet.externalWallets).toContainText("Connect another wallet to fund this one from it.");
});
