import { expect, test, type Page } from "@playwright/test";
import { privateKeyToAddress } from "viem/accounts";
import { createWallet, usdcOf } from "./support/wallet";
import { fundLocalAccount } from "../scripts/devchain/deploy";

// Anvil's dev account #2: unlocked on anvil, so wagmi's mock connector can send from it through the node.
const ANVIL_ACCOUNT_2 = privateKeyToAddress("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
const MOCK_FLAG = "x402chat:e2e:mock-wallet";
const rpcUrl = process.env.E2E_ANVIL_RPC_URL!;

async function openConnectModal(page: Page) {
  await page.getByTestId("external-open").click();
  await page.getByTestId("external-wallets").getByRole("button", { name: "Connect Wallet" }).click();
  await expect(page.getByTestId("rk-wallet-option-x402chat-local")).toBeVisible();
}

test("fund the local wallet with USDC from a connected external wallet (wagmi mock on anvil #2)", async ({ page }) => {
  await fundLocalAccount(rpcUrl, ANVIL_ACCOUNT_2, { usdc: 50_000000n, eth: 0n });
  const sourceBefore = await usdcOf(ANVIL_ACCOUNT_2);
  await page.addInitScript(
    ([key, value]) => window.localStorage.setItem(key, value),
    [MOCK_FLAG, JSON.stringify({ address: ANVIL_ACCOUNT_2, rpcUrl })] as const,
  );
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
