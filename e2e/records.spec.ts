import { expect, test } from "@playwright/test";
import { ChatPage, MARKET } from "./pages/chat";
import { HistoryPage } from "./pages/history";
import { PASSWORD, WalletPage } from "./pages/wallet";
import { chain, usdcOf } from "./support/chain";

const isPaidChat = (url: string) => /\/api\/x402\/[^/]+\/chat$/.test(new URL(url).pathname);

test("reload while paying: history equals what the wallet spent on chain, and the reply comes back", async ({ page }) => {
  const [wallet, chat, history] = [new WalletPage(page), new ChatPage(page), new HistoryPage(page)];
  const address = await new WalletPage(page).startFunded();
  await chat.openAgent();

  // The tab dies with its payment on the way: the paid request reaches the agent, which answers in full and
  // settles, but the answer never reaches the page, which reloads.
  let answered!: () => void;
  const paidAnswer = new Promise<void>((resolve) => (answered = resolve));
  await page.route(
    (url) => isPaidChat(url.href),
    async (route) => {
      if (!route.request().headers()["payment-signature"]) return route.continue();
      const res = await route.fetch();
      expect(res.status()).toBe(200);
      await res.body();
      answered(); // never fulfilled: this page does not get the answer
    },
  );
  await chat.send("What is the current price of ETH?");
  await paidAnswer;
  await page.reload(); // the page's request is still waiting: the reload drops it

  // What the wallet spent on chain: one price (settled beside the reply, which ended with its receipt).
  await expect.poll(() => usdcOf(address)).toBe(10_000000n - 10_000n);

  // The conversation kept the message; its reply is the payer's, fetched with the payer's key.
  await chat.conversations.first().click();
  await expect(page.getByTestId("message-user")).toHaveCount(1);
  await expect(page.getByTestId("message-recovering")).toContainText("Unlock your wallet");
  await expect(page.getByTestId("message-unsent")).toHaveCount(0);
  await wallet.open();
  await wallet.unlock(PASSWORD);
  await wallet.close();
  await expect(chat.assistantText).toContainText("3,000");
  await expect(chat.toolCalls.first()).toHaveAttribute("data-tool", "getPrice");
  await expect(chat.receipt).toHaveAttribute("data-success", "true");
  await expect(page.getByTestId("message-recovering")).toHaveCount(0);
  const hash = (await chat.receiptTx.textContent()) as `0x${string}`;
  const tx = await chain.getTransactionReceipt({ hash });
  expect(tx.status).toBe("success");

  // The history adds up to what left the wallet, by the same transaction.
  await history.open();
  await expect(history.rows).toHaveCount(1);
  await expect(history.status).toHaveText(/settled/i);
  await expect(history.tx).toHaveText(hash);
  await expect(history.spent).toHaveText("0.01 USDC");

  // Back in the chat, the reply stays (it was saved into the conversation), and nothing is left open.
  await page.goto("/");
  await chat.conversations.first().click();
  await expect(page.getByTestId("message-assistant")).toHaveCount(1);
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("x402chat:journal:") && localStorage.getItem(k) !== "[]"))).toEqual([]);
});

test("a message that could not be paid is marked, replaced by the next one, and retried without a duplicate", async ({ page }) => {
  const [wallet, chat, history] = [new WalletPage(page), new ChatPage(page), new HistoryPage(page)];
  await page.goto("/");
  await wallet.create();
  await wallet.close();
  await chat.openAgent();

  // No funds: nothing is signed, and the message says it was not sent.
  await chat.send("first try");
  await expect(chat.error).toHaveAttribute("data-kind", "funds");
  await expect(page.getByTestId("message-unsent")).toBeVisible();
  // Another message takes its place instead of piling up behind it.
  await chat.send("What is the current price of ETH?");
  await expect(chat.error).toHaveAttribute("data-kind", "funds");
  await expect(page.getByTestId("message-user")).toHaveCount(1);
  await expect(page.getByTestId("message-user")).toContainText("What is the current price of ETH?");

  await wallet.open();
  await wallet.getTestFunds();
  await wallet.close();
  await page.getByTestId("message-retry").click();
  await expect(chat.receipt).toHaveAttribute("data-success", "true");
  await expect(page.getByTestId("message-user")).toHaveCount(1);
  await expect(page.getByTestId("message-assistant")).toHaveCount(1);
  await expect(page.getByTestId("message-unsent")).toHaveCount(0);

  // The saved conversation is the same two messages, and one payment.
  await page.goto("/");
  await chat.conversations.first().click();
  await expect(page.getByTestId("message-user")).toHaveCount(1);
  await expect(page.getByTestId("message-assistant")).toHaveCount(1);
  await history.open();
  await expect(history.rows).toHaveCount(1);
});

test("our Market Analyst reached by its URL answers with its price tool; toolkits are sent only when chosen", async ({ page, baseURL }) => {
  const chat = new ChatPage(page);
  await new WalletPage(page).startFunded();
  await chat.probe(`${baseURL}/api/x402/${MARKET}/chat`);
  await expect(chat.probeResult).toHaveAttribute("data-payable", "true");
  await chat.useProbed();
  // Its discovery lists its toolkits: offered, all on.
  await expect(page.getByTestId("toolkit-chainlink")).toBeChecked();

  const paid = () => page.waitForRequest((r) => isPaidChat(r.url()) && r.headers()["payment-signature"] !== undefined);
  let request = paid();
  await chat.send("What is the current price of ETH?");
  expect(JSON.parse((await request).postData() ?? "{}")).not.toHaveProperty("selectedToolkits");
  await expect(chat.toolCalls.first()).toHaveAttribute("data-tool", "getPrice");
  await expect(chat.toolCalls.first()).toHaveAttribute("data-state", "done");
  await expect(chat.assistantText.first()).toContainText("3,000");
  await expect(chat.receipt.first()).toHaveAttribute("data-success", "true");

  // A choice the user made is sent as made.
  await page.getByTestId("toolkit-chainlink").uncheck();
  request = paid();
  await chat.send("What is the current price of BTC?");
  expect(JSON.parse((await request).postData() ?? "{}").selectedToolkits).toEqual(["defillama"]);
  await expect(chat.sendButton).toBeVisible(); // the reply ended
});
