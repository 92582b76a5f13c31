import { expect, test } from "@playwright/test";
import { erc20Abi, parseEventLogs, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { NETWORKS } from "../lib/chains/networks";
import { fundLocalAccount } from "../lib/devchain/deploy";
import { ChatPage } from "./pages/chat";
import { HistoryPage } from "./pages/history";
import { WalletPage } from "./pages/wallet";
import { startAtelierDouble, type AtelierDouble } from "./support/atelier-double";
import { head, walletTransactions } from "./support/blocks";
import { chain, usdcOf } from "./support/chain";

const PRICE = 20_000n; // 0.02 USDC
const PAY_TO = privateKeyToAccount(generatePrivateKey()).address;
const USDC = NETWORKS.local.usdc.address;

let atelier: AtelierDouble;
test.beforeEach(async () => {
  atelier = await startAtelierDouble({ rpcUrl: process.env.E2E_ANVIL_RPC_URL!, payTo: PAY_TO, price: PRICE });
});
test.afterEach(async () => {
  await atelier.close();
});

test("the chat pays an Atelier-style agent by a USDC transfer, then proves it with the hash", async ({ page }) => {
  const [wallet, chat, history] = [new WalletPage(page), new ChatPage(page), new HistoryPage(page)];
  const address = await wallet.startFunded(); // the faucet sends USDC and the ETH the transfer's gas needs
  const sellerBefore = await usdcOf(PAY_TO);

  await chat.probe(atelier.payUrl);
  await expect(chat.probePrice).toHaveText("0.02 USDC");
  await expect(chat.probeResult).toHaveAttribute("data-payable", "true");
  await expect(page.getByTestId("probe-transfer")).toHaveText(", paid by transfer (+ gas in ETH)");
  await chat.useProbed();
  await expect(chat.sendButton).toContainText("0.02 USDC + gas in ETH");

  const before = await head();
  await chat.send("a fox");
  await expect(chat.assistantText).toContainText("Logo for: a fox");
  await expect(chat.receipt).toHaveAttribute("data-success", "true");
  const hash = (await chat.receiptTx.textContent()) as Hex;

  // On chain: exactly one transaction of the wallet, the price in USDC from it to payTo.
  const touched = await walletTransactions(address as Address, before, await head());
  expect(touched).toEqual([{ hash, block: touched[0]!.block, usdcOut: PRICE, usdcIn: 0n }]);
  const mined = await chain.getTransactionReceipt({ hash });
  const transfers = parseEventLogs({ abi: erc20Abi, eventName: "Transfer", logs: mined.logs });
  expect(transfers).toHaveLength(1);
  expect(transfers[0]!.address.toLowerCase()).toBe(USDC.toLowerCase());
  expect(transfers[0]!.args).toEqual({ from: address, to: PAY_TO, value: PRICE });
  expect(await usdcOf(PAY_TO)).toBe(sellerBefore + PRICE);

  // The double was proven that hash, with the network.
  expect(atelier.state.proofs).toEqual([{ hash, network: "eip155:31337" }]);

  await history.open();
  await expect(history.rows).toHaveCount(1);
  await expect(history.tx).toHaveText(hash);
  await expect(history.spent).toHaveText("0.02 USDC");
});

test("a wallet with no ETH is told so before anything is signed; no transfer reaches the chain", async ({ page }) => {
  const [wallet, chat] = [new WalletPage(page), new ChatPage(page)];
  await page.goto("/");
  const address = (await wallet.create()) as Address;
  await fundLocalAccount(process.env.E2E_ANVIL_RPC_URL!, address, { usdc: 1_000000n, eth: 0n });
  await wallet.close();

  await chat.probe(atelier.payUrl);
  await expect(page.getByTestId("probe-transfer")).toBeVisible();
  await chat.useProbed();
  await chat.send("a fox");
  await expect(chat.error).toHaveAttribute("data-kind", "gas");
  await expect(chat.error).toContainText("Not enough ETH for gas. This agent is paid on chain");
  await expect(chat.error).toContainText("your wallet has no ETH");
  expect(await chain.getTransactionCount({ address })).toBe(0);
  expect(await usdcOf(address)).toBe(1_000000n);
  expect(atelier.state.proofs).toEqual([]);
});

test("a transfer mined but not proven (its proof did not get through) is proven again when the page loads", async ({ page }) => {
  const [wallet, chat, history] = [new WalletPage(page), new ChatPage(page), new HistoryPage(page)];
  const address = await wallet.startFunded();
  await chat.probe(atelier.payUrl);
  await chat.useProbed();
  atelier.state.failProofs = 1; // the agent drops the first proof: the transfer is on chain, the reply is not
  const before = await head();
  await chat.send("a cat");
  await expect(chat.error).toBeVisible();
  const [sent] = await walletTransactions(address as Address, before, await head());
  expect(sent).toMatchObject({ usdcOut: PRICE, usdcIn: 0n });
  expect(atelier.state.proofs).toEqual([{ hash: sent!.hash, network: "eip155:31337" }]);

  await page.reload();
  // On load the journal's open transfer is proven again with the same hash: the reply and its payment come back.
  await expect.poll(() => atelier.state.proofs.length).toBe(2);
  expect(atelier.state.proofs[1]).toEqual({ hash: sent!.hash, network: "eip155:31337" });
  await chat.conversations.first().click();
  await expect(chat.assistantText).toContainText("Logo for: a cat");
  await expect(chat.receiptTx).toHaveText(sent!.hash);
  await history.open();
  await expect(history.rows).toHaveCount(1);
  await expect(history.tx).toHaveText(sent!.hash);
  // One transfer in all: nothing was paid twice.
  expect(await walletTransactions(address as Address, before, await head())).toHaveLength(1);
});
