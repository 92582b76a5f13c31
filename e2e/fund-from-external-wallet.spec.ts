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

test("the external wallets are other wallets: no mock without the test flag, no Local Wallet, no developer note", async ({ page }) => {
  const wallet = new WalletPage(page);
  await page.goto("/");
  await wallet.create();
  await wallet.page.getByTestId("external-open").click();
  await expect(wallet.externalWallets).toBeVisible();
  // Meant for developers (the README says how to enable WalletConnect), not for the user.
  await expect(wallet.externalWallets).not.toContainText("NEXT_PUBLIC_");
  await wallet.externalWallets.getByRole("button", { name: "Connect Wallet" }).click();
  await expect(wallet.connectOption("coinbase")).toBeVisible();
  await expect(wallet.connectOption("e2e-mock")).toHaveCount(0);
  // The app's own wallet is what is being funded: it is not an external wallet.
  await expect(wallet.connectOption("x402chat-local")).toHaveCount(0);
  await expect(page.getByText("Local Wallet")).toHaveCount(0);
});
