import { expect, test } from "@playwright/test";
import { fundLocalAccount } from "../lib/devchain/deploy";
import { ChatPage } from "./pages/chat";
import { WalletPage } from "./pages/wallet";
import { head, walletTransactions } from "./support/blocks";
import { ANVIL_ACCOUNT_2, usdcOf } from "./support/chain";
import { tabCharge } from "./support/tab";

/** The JSON-RPC methods by which a page asks an external wallet to sign (each is a prompt in a real wallet). */
const SIGNING = ["eth_signTypedData_v4", "personal_sign", "eth_sign", "eth_sendTransaction"];

/**
 * Issue 13's acceptance with an external wallet (wagmi's mock connector on anvil's account #2, whose requests go
 * to the node, where the test sees them): five messages on a tab take at most two signature requests, the session
 * key's derivation and the deposit, and none per message.
 */
test("external wallet: five messages on a tab take at most two signature requests (session key, deposit) and none per message", async ({ page }) => {
  test.setTimeout(180_000);
  const [wallet, chat] = [new WalletPage(page), new ChatPage(page)];
  await fundLocalAccount(process.env.E2E_ANVIL_RPC_URL!, ANVIL_ACCOUNT_2, { usdc: 1_000000n, eth: 0n });
  const start = await usdcOf(ANVIL_ACCOUNT_2);
  const signing: string[] = [];
  page.on("request", (request) => {
    const body = request.postData() ?? "";
    const method = SIGNING.find((m) => body.includes(`"${m}"`));
    if (method) signing.push(method);
  });

  await wallet.enableMockWallet();
  await page.goto("/");
  await wallet.create(); // the local wallet stays empty: it could not pay, and must not be asked to
  await wallet.openConnectModal();
  await wallet.connectOption("e2e-mock").click();
  await expect(wallet.externalUsdc).toHaveText(String(Number(start) / 1e6));
  await wallet.close();
  await chat.openAgent();
  await chat.payWithExternal.check();
  await expect(chat.payWith).toHaveAttribute("data-payer", "external");
  const opened = await head();

  await page.getByTestId("tab-open").click();
  await chat.send("What is the current price of ETH? (1)");
  await expect(chat.receipt).toHaveCount(1);
  await expect(chat.receipt).toContainText("on your tab");
  const toOpen = [...signing];
  expect(toOpen.length, `signature requests to open the tab: ${toOpen.join(", ")}`).toBeGreaterThan(0);
  expect(toOpen.length, `signature requests to open the tab: ${toOpen.join(", ")}`).toBeLessThanOrEqual(2);
  expect(toOpen.every((m) => m === "eth_signTypedData_v4")).toBe(true);

  for (let i = 2; i <= 5; i += 1) {
    await chat.send(`What is the current price of ETH? (${i})`);
    await expect(chat.receipt).toHaveCount(i);
    await expect(chat.receipt.nth(i - 1)).toContainText("on your tab");
  }
  expect(signing, "no signature request per message").toEqual(toOpen);

  // What was paid came from the external wallet through its one deposit: no transaction per message either.
  const charged = (await chat.receipt.allTextContents()).map(tabCharge).reduce((a, b) => a + b, 0n);
  const moved = await walletTransactions(ANVIL_ACCOUNT_2, opened, await head());
  expect(moved).toHaveLength(1);
  expect(moved[0]!.usdcOut).toBeGreaterThan(charged);
  expect(await usdcOf(ANVIL_ACCOUNT_2)).toBe(start - moved[0]!.usdcOut);
});
