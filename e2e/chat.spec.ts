import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { erc20Abi, parseEventLogs, type Address, type Hex } from "viem";
import { EXTERNAL_PAY_TO, EXTERNAL_PRICE_ATOMIC, startExternalX402Server } from "../test/support/external-x402-server";
import { PASSWORD, chain, closeWallet, createWallet, exportWallet, getTestFunds, openWallet, unlock, usdcOf } from "./support/wallet";

const MARKET = "00000000-0000-0000-0000-000000000001";
const MARKET_PAY_TO = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

/** Every request the page makes, as text: method, URL, headers and body. */
function captureRequests(page: Page): string[] {
  const requests: string[] = [];
  page.on("request", (r) => requests.push([r.method(), r.url(), JSON.stringify(r.headers()), r.postData() ?? ""].join("\n")));
  return requests;
}

async function startWithFunds(page: Page): Promise<Address> {
  await page.goto("/");
  const address = await createWallet(page);
  await getTestFunds(page);
  await closeWallet(page);
  return address;
}

test("pay the market agent for an ETH price: tool call, streamed answer, receipt, history, real transfer", async ({ page }) => {
  const requests = captureRequests(page);
  const address = await startWithFunds(page);

  await page.getByTestId(`agent-card-${MARKET}`).click();
  await expect(page.getByTestId("chat-agent-name")).toHaveText("Market Analyst");
  await expect(page.getByTestId("composer-send")).toContainText("0.01 USDC"); // the price, before sending
  await page.getByTestId("composer-input").fill("What is the current price of ETH?");
  await page.getByTestId("composer-send").click();

  const tool = page.getByTestId("tool-call").first();
  await expect(tool).toHaveAttribute("data-tool", "getPrice");
  await expect(tool).toHaveAttribute("data-state", "done");
  await expect(page.getByTestId("message-assistant").getByTestId("message-text")).toContainText("3,000");
  const receipt = page.getByTestId("receipt");
  await expect(receipt).toHaveAttribute("data-success", "true");
  await expect(receipt).toContainText("Paid 0.01 USDC");
  await expect(page.getByTestId("message-usage")).toContainText("1 tool call");
  const hash = (await page.getByTestId("receipt-tx").textContent()) as Hex;

  // On chain: that transaction moved exactly 0.01 USDC from this wallet to the agent.
  const tx = await chain.getTransactionReceipt({ hash });
  const transfers = parseEventLogs({ abi: erc20Abi, logs: tx.logs, eventName: "Transfer" });
  expect(transfers.map((t) => t.args)).toEqual([{ from: address, to: MARKET_PAY_TO, value: 10_000n }]);
  expect(await usdcOf(address)).toBe(10_000000n - 10_000n);
  await openWallet(page); // the balance shown refreshed after the payment
  await expect(page.getByTestId("balance-usdc")).toHaveAttribute("data-atomic", "9990000");
  await closeWallet(page);

  // The history lists it, with its hash.
  await page.getByTestId("history-link").click();
  await expect(page.getByTestId("history-row")).toHaveCount(1);
  await expect(page.getByTestId("history-tx")).toHaveText(hash);
  await expect(page.getByTestId("stat-spent")).toHaveText("0.01 USDC");
  await expect(page.getByTestId("stat-tools")).toHaveText("1");

  // The conversation is kept: reopening it shows the answer again.
  await page.goto("/");
  await page.getByTestId("conversation-item").first().click();
  await expect(page.getByTestId("receipt")).toHaveAttribute("data-success", "true");

  // No request of the page, payment included, carried the key or the keystore.
  await openWallet(page); // a reload locks the wallet: the key lived in memory only
  await unlock(page, PASSWORD);
  const { privateKey, keystorePath } = await exportWallet(page);
  const keystore = JSON.parse(readFileSync(keystorePath, "utf8"));
  expect(requests.some((r) => r.toLowerCase().includes("payment-signature"))).toBe(true); // the capture saw the payment
  for (const secret of [privateKey.slice(2), keystore.crypto.ciphertext, keystore.crypto.mac]) {
    for (const request of requests) expect(request.toLowerCase()).not.toContain(secret.toLowerCase());
  }
});

test("above the per-message cap the app asks first; refusing signs and sends nothing", async ({ page }) => {
  const requests = captureRequests(page);
  const address = await startWithFunds(page);
  await page.getByTestId("policy-maxPerMessage").fill("0.005");
  await page.getByTestId("policy-save").click();
  await expect(page.getByTestId("policy-save")).toHaveText("Saved");

  await page.getByTestId(`agent-card-${MARKET}`).click();
  await page.getByTestId("composer-input").fill("What is the current price of ETH?");
  await page.getByTestId("composer-send").click();
  const dialog = page.getByTestId("approval-dialog");
  await expect(dialog).toHaveAttribute("data-kind", "over-policy");
  await expect(dialog).toContainText("0.01 USDC");
  await expect(dialog).toContainText("0.005 USDC");
  await page.getByTestId("approval-refuse").click();

  await expect(page.getByTestId("chat-error")).toHaveAttribute("data-kind", "policy");
  expect(requests.filter((r) => r.toLowerCase().includes("payment-signature"))).toEqual([]);
  expect(await usdcOf(address)).toBe(10_000000n);
  await expect(page.getByTestId("receipt")).toHaveCount(0);
});

test("the approval question is a modal dialog: focus moves into it, Escape refuses, the focus comes back", async ({ page }) => {
  const requests = captureRequests(page);
  await startWithFunds(page);
  await page.getByTestId("policy-maxPerMessage").fill("0.005");
  await page.getByTestId("policy-save").click();
  await expect(page.getByTestId("policy-save")).toHaveText("Saved");

  await page.getByTestId(`agent-card-${MARKET}`).click();
  const composer = page.getByTestId("composer-input");
  await composer.fill("What is the current price of ETH?");
  await composer.press("Enter"); // sent from the keyboard: the focus stays in the composer
  const dialog = page.getByRole("dialog", { name: "Above your spending limit" });
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId("approval-refuse")).toBeFocused(); // the safe answer first
  await page.keyboard.press("Escape");

  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("chat-error")).toHaveAttribute("data-kind", "policy");
  await expect(composer).toBeFocused();
  expect(requests.filter((r) => r.toLowerCase().includes("payment-signature"))).toEqual([]);
});

test("paste the URL of another x402 server: the probe shows its price, and a message to it is paid and answered", async ({ page }) => {
  // A separate process built on the official SDK, settling through this app's facilitator.
  const external = await startExternalX402Server({ rpcUrl: process.env.E2E_ANVIL_RPC_URL! });
  try {
    const before = await usdcOf(EXTERNAL_PAY_TO);
    const address = await startWithFunds(page);
    await page.getByTestId("agent-url-input").fill(`${external.url}/chat`);
    await page.getByTestId("agent-url-probe").click();
    await expect(page.getByTestId("probe-result")).toHaveAttribute("data-payable", "true");
    await expect(page.getByTestId("probe-price")).toHaveText("0.02 USDC");
    await page.getByTestId("probe-use").click();

    await page.getByTestId("composer-input").fill("hello from the e2e test");
    await page.getByTestId("composer-send").click();
    await expect(page.getByTestId("message-assistant").getByTestId("message-text")).toContainText("hello from the e2e test");
    await expect(page.getByTestId("receipt")).toHaveAttribute("data-success", "true");
    await expect(page.getByTestId("receipt")).toContainText("Paid 0.02 USDC");
    expect(await usdcOf(EXTERNAL_PAY_TO)).toBe(before + EXTERNAL_PRICE_ATOMIC);
    expect(await usdcOf(address)).toBe(10_000000n - EXTERNAL_PRICE_ATOMIC);
  } finally {
    await external.stop();
  }
});

test("an agent URL that is down gets a clear reason, not a hang", async ({ page }) => {
  await page.goto("/");
  await page.getByTestId("agent-url-input").fill("http://127.0.0.1:9/chat");
  await page.getByTestId("agent-url-probe").click();
  await expect(page.getByTestId("probe-result")).toHaveAttribute("data-payable", "false");
  await expect(page.getByTestId("probe-result")).toContainText(/unreachable|refused/i);
});
