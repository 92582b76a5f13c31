import { expect, test } from "@playwright/test";
import { erc20Abi, parseEventLogs, type Hex } from "viem";
import { fundLocalAccount } from "../lib/devchain/deploy";
import { ChatPage, MARKET_PAY_TO } from "./pages/chat";
import { WalletPage } from "./pages/wallet";
import { ANVIL_ACCOUNT_2, chain, usdcOf } from "./support/chain";

const PRICE = 10_000n; // 0.01 USDC

test("pay the market agent with a connected external wallet (wagmi mock on anvil #2); the local wallet pays nothing", async ({ page }) => {
  const wallet = new WalletPage(page);
  const chat = new ChatPage(page);
  const ask = () => chat.send("What is the current price of ETH?");
  await fundLocalAccount(process.env.E2E_ANVIL_RPC_URL!, ANVIL_ACCOUNT_2, { usdc: 1_000000n, eth: 0n });
  const externalBefore = await usdcOf(ANVIL_ACCOUNT_2);
  const signatures: string[] = [];
  page.on("request", (r) => {
    if (r.postData()?.includes("eth_signTypedData_v4")) signatures.push(r.url());
  });
  await wallet.enableMockWallet();
  await page.goto("/");
  const local = await wallet.create();
  await wallet.getTestFunds(); // the local wallet could pay: it must not
  await wallet.close();
  await chat.openAgent();
  await expect(chat.payWith).toHaveCount(0); // nothing to choose until a wallet is connected

  await wallet.open();
  await wallet.openConnectModal();
  await wallet.connectOption("e2e-mock").click();
  await expect(wallet.externalUsdc).toHaveText(String(Number(externalBefore) / 1e6));
  await wallet.close(); // the connection outlasts the wallet panel

  const payWith = chat.payWith;
  await expect(payWith).toHaveAttribute("data-payer", "local"); // the local wallet stays the default
  await expect(payWith).toContainText(`${ANVIL_ACCOUNT_2.slice(0, 6)}…${ANVIL_ACCOUNT_2.slice(-4)}`);
  await chat.payWithExternal.check();
  await expect(payWith).toHaveAttribute("data-payer", "external");

  await ask();
  const receipt = chat.receipt;
  await expect(receipt).toHaveAttribute("data-success", "true");
  await expect(receipt).toContainText("Paid 0.01 USDC");
  expect(signatures).toHaveLength(1); // one signature request to the wallet for the message

  // On chain: exactly 0.01 USDC from the external wallet to the agent; the local wallet is untouched.
  const hash = (await chat.receiptTx.textContent()) as Hex;
  const tx = await chain.getTransactionReceipt({ hash });
  const transfers = parseEventLogs({ abi: erc20Abi, logs: tx.logs, eventName: "Transfer" });
  expect(transfers.map((t) => t.args)).toEqual([{ from: ANVIL_ACCOUNT_2, to: MARKET_PAY_TO, value: PRICE }]);
  expect(await usdcOf(ANVIL_ACCOUNT_2)).toBe(externalBefore - PRICE);
  expect(await usdcOf(local)).toBe(10_000000n);

  // The choice is kept for this network across a reload. wagmi is not loaded then, so the external wallet is not
  // connected: the message is refused before anything is signed, and the local wallet is not used instead.
  await page.reload();
  await chat.openAgent();
  await expect(payWith).toHaveAttribute("data-payer", "external");
  await expect(payWith).toContainText("not connected");
  await ask();
  await expect(chat.error).toHaveAttribute("data-kind", "locked");
  await expect(chat.error).toContainText("You chose to pay with your connected wallet");
  expect(signatures).toHaveLength(1);
  expect(await usdcOf(ANVIL_ACCOUNT_2)).toBe(externalBefore - PRICE);
  expect(await usdcOf(local)).toBe(10_000000n);

  // Going back to the local wallet is always offered; with no external wallet connected the choice then goes away.
  await chat.payWithLocal.click();
  await expect(payWith).toHaveCount(0);
});
