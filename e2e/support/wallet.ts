import { expect, type Page } from "@playwright/test";
import { createPublicClient, erc20Abi, http, type Address, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { NETWORKS } from "../../lib/chains/networks";

/** Driving the in-browser wallet in e2e specs, and reading the chain behind it. */

export const PASSWORD = "e2e password one";
export const chain = createPublicClient({ transport: http(process.env.E2E_ANVIL_RPC_URL) });

export const usdcOf = (address: Address) =>
  chain.readContract({ address: NETWORKS.local.usdc.address, abi: erc20Abi, functionName: "balanceOf", args: [address] });

export async function chainBalances(address: Address) {
  return { usdc: await usdcOf(address), eth: await chain.getBalance({ address }) };
}

export async function openWallet(page: Page) {
  await page.getByTestId("wallet-toggle").click();
  await expect(page.getByTestId("wallet-panel")).toBeVisible();
}

export async function closeWallet(page: Page) {
  await page.getByTestId("wallet-toggle").click();
  await expect(page.getByTestId("wallet-panel")).toBeHidden();
}

export async function createWallet(page: Page, password = PASSWORD): Promise<Address> {
  await openWallet(page);
  await page.getByTestId("create-password").fill(password);
  await page.getByTestId("create-confirm").fill(password);
  await page.getByTestId("create-submit").click();
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-state", "unlocked");
  return (await page.getByTestId("wallet-address").textContent()) as Address;
}

/** Asks the faucet for test funds and waits until the wallet shows them (10 USDC). */
export async function getTestFunds(page: Page) {
  await page.getByTestId("faucet-button").click();
  await expect(page.getByTestId("faucet-message")).toHaveText("Sent 10 USDC and 0.01 ETH");
  await expect(page.getByTestId("balance-usdc")).toHaveAttribute("data-atomic", "10000000");
}

export async function unlock(page: Page, password: string) {
  await page.getByTestId("unlock-password").fill(password);
  await page.getByTestId("unlock-submit").click();
}

/** Decrypts again through the export form and returns the revealed key and the downloaded keystore file. */
export async function exportWallet(page: Page, password = PASSWORD) {
  await page.getByTestId("export-open").click();
  await page.getByTestId("export-password").fill(password);
  await page.getByTestId("export-submit").click();
  const downloading = page.waitForEvent("download");
  await page.getByTestId("export-download").click();
  const download = await downloading;
  const keystorePath = await download.path();
  await page.getByTestId("export-reveal").click();
  const privateKey = (await page.getByTestId("export-private-key").textContent()) as Hex;
  return { privateKey, keystorePath, filename: download.suggestedFilename() };
}

// Anvil's dev account #2: unlocked on anvil, so wagmi's mock connector can sign and send from it through the node.
export const ANVIL_ACCOUNT_2 = privateKeyToAddress("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");

/** Offers wagmi's mock connector as "E2E mock wallet" on `address` (the flag the app's wagmi config reads). */
export async function enableMockWallet(page: Page, address: Address = ANVIL_ACCOUNT_2) {
  await page.addInitScript(
    ([key, value]) => window.localStorage.setItem(key, value),
    ["x402chat:e2e:mock-wallet", JSON.stringify({ address, rpcUrl: process.env.E2E_ANVIL_RPC_URL })] as const,
  );
}

/** From the open wallet panel, loads the external wallets and opens RainbowKit's connect modal. */
export async function openConnectModal(page: Page) {
  await page.getByTestId("external-open").click();
  await page.getByTestId("external-wallets").getByRole("button", { name: "Connect Wallet" }).click();
  await expect(page.getByTestId("rk-wallet-option-x402chat-local")).toBeVisible();
}
