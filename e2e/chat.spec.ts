import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { erc20Abi, parseEventLogs, type Hex } from "viem";
import { EXTERNAL_PAY_TO, EXTERNAL_PRICE_ATOMIC, startExternalX402Server } from "../test/support/external-x402-server";
import { ChatPage, MARKET_PAY_TO } from "./pages/chat";
import { HistoryPage } from "./pages/history";
import { PASSWORD, WalletPage } from "./pages/wallet";
import { chain, usdcOf } from "./support/chain";

/** Every request the page makes, as text: method, URL, headers and body. */
function captureRequests(page: Page): string[] {
  const requests: string[] = [];
  page.on("request", (r) => requests.push([r.method(), r.url(), JSON.stringify(r.headers()), r.postData() ?? ""].join("\n")));
  return requests;
}

test("pay the market agent for an ETH price: tool call, streamed answer, receipt, history, real transfer", async ({ page }) => {
  const [wallet, chat, history] = [new WalletPage(page), new ChatPage(page), new HistoryPage(page)];
  const requests = captureRequests(page);
  const address = await new WalletPage(page).startFunded();

  await chat.openAgent();
  await expect(chat.agentName).toHaveText("Market Analyst");
  await expect(chat.sendButton).toContainText("0.01 USDC"); // the price, before sending
  await chat.send("What is the current price of ETH?");

  const tool = chat.toolCalls.first();
  await expect(tool).toHaveAttribute("data-tool", "getPrice");
  await expect(tool).toHaveAttribute("data-state", "done");
  await expect(chat.assistantText).toContainText("3,000");
  const receipt = chat.receipt;
  await expect(receipt).toHaveAttribute("data-success", "true");
  await expect(receipt).toContainText("Paid 0.01 USDC");
  await expect(chat.usage).toContainText("1 tool call");
  const hash = (await chat.receiptTx.textContent()) as Hex;

  // On chain: that transaction moved exactly 0.01 USDC from this wallet to the agent.
  const tx = await chain.getTransactionReceipt({ hash });
  const transfers = parseEventLogs({ abi: erc20Abi, logs: tx.logs, eventName: "Transfer" });
  expect(transfers.map((t) => t.args)).toEqual([{ from: address, to: MARKET_PAY_TO, value: 10_000n }]);
  expect(await usdcOf(address)).toBe(10_000000n - 10_000n);
  await wallet.open(); // the balance shown refreshed after the payment
  await expect(wallet.usdc).toHaveAttribute("data-atomic", "9990000");
  await wallet.close();

  // The history lists it, with its hash.
  await history.open();
  await expect(history.rows).toHaveCount(1);
  await expect(history.tx).toHaveText(hash);
  await expect(history.spent).toHaveText("0.01 USDC");
  await expect(history.toolCalls).toHaveText("1");

  // The conversation is kept: reopening it shows the answer again.
  await page.goto("/");
  await chat.conversations.first().click();
  await expect(chat.receipt).toHaveAttribute("data-success", "true");

  // No request of the page, payment included, carried the key or the keystore.
  await wallet.open(); // a reload locks the wallet: the key lived in memory only
  await wallet.unlock(PASSWORD);
  const { privateKey, keystorePath } = await wallet.export();
  const keystore = JSON.parse(readFileSync(keystorePath, "utf8"));
  expect(requests.some((r) => r.toLowerCase().includes("payment-signature"))).toBe(true); // the capture saw the payment
  for (const secret of [privateKey.slice(2), keystore.crypto.ciphertext, keystore.crypto.mac]) {
    for (const request of requests) expect(request.toLowerCase()).not.toContain(secret.toLowerCase());
  }
});

test("above the per-message cap the app asks first; refusing signs and sends nothing", async ({ page }) => {
  const chat = new ChatPage(page);
  const requests = captureRequests(page);
  const address = await new WalletPage(page).startFunded();
  await chat.setMaxPerMessage("0.005");

  await chat.openAgent();
  await chat.send("What is the current price of ETH?");
  const dialog = chat.approvalDialog;
  await expect(dialog).toHaveAttribute("data-kind", "over-policy");
  await expect(dialog).toContainText("0.01 USDC");
  await expect(dialog).toContainText("0.005 USDC");
  await chat.approvalRefuse.click();

  await expect(chat.error).toHaveAttribute("data-kind", "policy");
  expect(requests.filter((r) => r.toLowerCase().includes("payment-signature"))).toEqual([]);
  expect(await usdcOf(address)).toBe(10_000000n);
  await expect(chat.receipt).toHaveCount(0);
});

test("the approval question is a modal dialog: focus moves into it, Escape refuses, the focus comes back", async ({ page }) => {
  const chat = new ChatPage(page);
  const requests = captureRequests(page);
  await new WalletPage(page).startFunded();
  await chat.setMaxPerMessage("0.005");

  await chat.openAgent();
  const composer = chat.input;
  await composer.fill("What is the current price of ETH?");
  await composer.press("Enter"); // sent from the keyboard: the focus stays in the composer
  const dialog = page.getByRole("dialog", { name: "Above your spending limit" });
  await expect(dialog).toBeVisible();
  await expect(chat.approvalRefuse).toBeFocused(); // the safe answer first
  await page.keyboard.press("Escape");

  await expect(dialog).toBeHidden();
  await expect(chat.error).toHaveAttribute("data-kind", "policy");
  await expect(composer).toBeFocused();
  expect(requests.filter((r) => r.toLowerCase().includes("payment-signature"))).toEqual([]);
});

test("paste the URL of another x402 server: the probe shows its price, and a message to it is paid and answered", async ({ page }) => {
  const chat = new ChatPage(page);
  // A separate process built on the official SDK, settling through this app's facilitator.
  const external = await startExternalX402Server({ rpcUrl: process.env.E2E_ANVIL_RPC_URL! });
  try {
    const before = await usdcOf(EXTERNAL_PAY_TO);
    const address = await new WalletPage(page).startFunded();
    await chat.probe(`${external.url}/chat`);
    await expect(chat.probeResult).toHaveAttribute("data-payable", "true");
    await expect(chat.probePrice).toHaveText("0.02 USDC");
    await chat.useProbed();

    await chat.send("hello from the e2e test");
    await expect(chat.assistantText).toContainText("hello from the e2e test");
    await expect(chat.receipt).toHaveAttribute("data-success", "true");
    await expect(chat.receipt).toContainText("Paid 0.02 USDC");
    expect(await usdcOf(EXTERNAL_PAY_TO)).toBe(before + EXTERNAL_PRICE_ATOMIC);
    expect(await usdcOf(address)).toBe(10_000000n - EXTERNAL_PRICE_ATOMIC);
  } finally {
    await external.stop();
  }
});

test("an agent URL that is down gets a clear reason, not a hang", async ({ page }) => {
  const chat = new ChatPage(page);
  await page.goto("/");
  await chat.probe("http://127.0.0.1:9/chat");
  await expect(chat.probeResult).toHaveAttribute("data-payable", "false");
  await expect(chat.probeResult).toContainText(/unreachable|refused/i);
});
