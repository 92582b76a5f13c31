import { expect, test } from "@playwright/test";
import { BATCH_SETTLEMENT_ADDRESS } from "@x402/evm";
import { createTestClient, erc20Abi, http, parseAbi, parseEther, parseUnits, type Address, type Hex } from "viem";
import { NETWORKS } from "../lib/chains/networks";
import { ChatPage } from "./pages/chat";
import { PASSWORD, WalletPage } from "./pages/wallet";
import { chain, usdcOf } from "./support/chain";

/** USDC transfers on chain from or to `address` since `fromBlock`. */
async function transfers(address: Address, fromBlock: bigint) {
  const logs = (side: "from" | "to") =>
    chain.getContractEvents({ address: NETWORKS.local.usdc.address, abi: erc20Abi, eventName: "Transfer", args: { [side]: address }, fromBlock });
  return { out: await logs("from"), in: await logs("to") };
}

/** A tab receipt's charge (atomic): "Paid 0.0032 USDC of max 0.01 on your tab", or 0 for "Not charged (0 of max 0.01)". */
function chargeOf(line: string): bigint {
  if (/Not charged \(0 of max 0\.01\)/.test(line)) return 0n;
  const paid = /Paid ([\d.]+) USDC of max 0\.01 on your tab/.exec(line);
  if (!paid) throw new Error(`not a tab receipt: ${line}`);
  return parseUnits(paid[1]!, 6);
}
/** A zero charge reads as not charged, never "Paid 0"; any other as paid, of the maximum, on the tab. */
const TAB_RECEIPT = /Paid (?!0 USDC)[\d.]+ USDC of max 0\.01 on your tab|Not charged \(0 of max 0\.01\) · nothing taken from your tab/;

test("a tab with the Market Analyst: one deposit for three messages, receipts of max 0.01, close refunds the rest", async ({ page }) => {
  const [wallet, chat] = [new WalletPage(page), new ChatPage(page)];
  const address = await wallet.startFunded();
  const start = await usdcOf(address);
  const fromBlock = await chain.getBlockNumber();

  await chat.openAgent();
  // The proposal: about 20 messages at the agent's maximum (0.01), within the default budgets.
  await expect(page.getByTestId("tab-proposal")).toContainText("with Market Analyst");
  await expect(page.getByTestId("tab-amount")).toHaveValue("0.2");
  await page.getByTestId("tab-open").click();
  await expect(page.getByTestId("tab-pending")).toBeVisible();

  for (let i = 1; i <= 3; i += 1) {
    await chat.send(`What is the current price of ETH? (${i})`);
    await expect(chat.receipt).toHaveCount(i);
    await expect(chat.receipt.nth(i - 1)).toHaveAttribute("data-status", "paid");
  }
  const lines = await chat.receipt.allTextContents();
  for (const line of lines) expect(line).toMatch(TAB_RECEIPT);
  const charges = lines.map(chargeOf).reduce((a, b) => a + b, 0n);
  await expect(page.getByTestId("tab-spent")).toHaveText(`${Number(charges) / 1e6} USDC`);
  // The side panel lists it too.
  await expect(page.getByTestId("open-tab")).toHaveCount(1);
  await expect(page.getByTestId("open-tab")).toContainText("Market Analyst");
  await expect(page.getByTestId("open-tab-spent")).toHaveText(`${Number(charges) / 1e6} USDC`);

  // On chain: the deposit is the only USDC that left the wallet.
  const open = await transfers(address, fromBlock);
  expect(open.out).toHaveLength(1);
  expect(open.out[0]!.args.value).toBe(200_000n);
  expect(open.in).toHaveLength(0);

  await page.getByTestId("tab-close").click();
  await expect(page.getByTestId("tab-closed")).toContainText("refunded");
  const closed = await transfers(address, fromBlock);
  expect(closed.out).toHaveLength(1);
  expect(closed.in).toHaveLength(1); // the refund
  expect(await usdcOf(address)).toBe(start - charges);
  // Closed: the next message would be offered a tab again, and pays `exact` until the user opens one.
  await expect(page.getByTestId("tab-proposal")).toBeVisible();
});

test("a reload mid-tab continues it with no new deposit; closing it from the side panel's open tabs refunds the rest", async ({ page }) => {
  const [wallet, chat] = [new WalletPage(page), new ChatPage(page)];
  const address = await wallet.startFunded();
  const start = await usdcOf(address);
  const fromBlock = await chain.getBlockNumber();

  await chat.openAgent();
  await page.getByTestId("tab-open").click();
  await chat.send("What is the current price of ETH?");
  await expect(chat.receipt).toHaveAttribute("data-status", "paid");

  // A reload locks the wallet (its key lived in memory); the tab is still open, and the conversation goes on paying it.
  await page.reload();
  await wallet.open();
  await wallet.unlock(PASSWORD);
  await wallet.close();
  await chat.conversations.first().click();
  await expect(page.getByTestId("tab-state")).toBeVisible();
  await chat.send("And the price of BTC?");
  await expect(chat.receipt).toHaveCount(2);
  await expect(chat.receipt.nth(1)).toHaveAttribute("data-status", "paid");
  // "Paid X of max 0.01 on your tab", or for a reply charged nothing "Not charged (0 of max 0.01)", never "Paid 0".
  await expect(chat.receipt.nth(1)).toContainText(TAB_RECEIPT);
  const lines = await chat.receipt.allTextContents();
  const charges = lines.map(chargeOf).reduce((a, b) => a + b, 0n);
  expect((await transfers(address, fromBlock)).out).toHaveLength(1); // no second deposit

  await page.getByTestId("open-tab-close").click();
  await expect(page.getByTestId("open-tabs-refund")).toContainText("Refunded");
  await expect(page.getByTestId("open-tab")).toHaveCount(0);
  const closed = await transfers(address, fromBlock);
  expect(closed.out).toHaveLength(1);
  expect(closed.in).toHaveLength(1);
  expect(await usdcOf(address)).toBe(start - charges);
  // The chat's tab bar follows: the next message would pay `exact` unless a tab is opened again.
  await expect(page.getByTestId("tab-proposal")).toBeVisible();
});

test("the wallet's own controls: Top up adds one deposit and the balance grows by it; the timed withdrawal counts down, survives a reload, and finishing it returns the rest to the unit", async ({ page }) => {
  const [wallet, chat] = [new WalletPage(page), new ChatPage(page)];
  const address = await wallet.startFunded();
  const start = await usdcOf(address);
  const fromBlock = await chain.getBlockNumber();
  const anvil = createTestClient({ mode: "anvil", transport: http(process.env.E2E_ANVIL_RPC_URL) });

  await chat.openAgent();
  await page.getByTestId("tab-open").click();
  await expect(page.getByTestId("composer-send")).toHaveText("Send · up to 0.01 on your tab");
  await chat.send("What is the current price of ETH?");
  await expect(chat.receipt).toHaveAttribute("data-status", "paid");
  // The first receipt names the deposit only after the chain showed it: the one USDC transfer out of the wallet.
  const deposit = (await transfers(address, fromBlock)).out;
  expect(deposit).toHaveLength(1);
  await expect(page.getByTestId("receipt-tab")).toContainText("Opened the tab with its deposit, checked on chain");
  await expect(page.getByTestId("receipt-tx")).toContainText(deposit[0]!.transactionHash.slice(0, 10));
  await expect(page.getByTestId("open-tab-balance")).toHaveText("0.2 USDC");

  // Top up: one deposit transaction, and the balance grows by exactly it.
  await page.getByTestId("open-tab-topup-amount").fill("0.1");
  await page.getByTestId("open-tab-topup").click();
  await expect(page.getByTestId("open-tab-done")).toContainText("Topped up 0.1 USDC: the tab holds 0.3 USDC");
  await expect(page.getByTestId("open-tab-balance")).toHaveText("0.3 USDC");
  const toppedUp = (await transfers(address, fromBlock)).out;
  expect(toppedUp).toHaveLength(2);
  expect(toppedUp[1]!.args.value).toBe(100_000n);
  const channelId = await page.evaluate(() => (JSON.parse(localStorage.getItem("x402chat:tabs:v1:31337") ?? "[]") as Array<{ channelId: string }>)[0]!.channelId);
  const channel = async () => {
    const [balance, totalClaimed] = await chain.readContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: channelsAbi, functionName: "channels", args: [channelId as Hex] });
    return { balance, totalClaimed };
  };
  expect((await channel()).balance).toBe(300_000n);

  // The timed withdrawal is a transaction from the wallet: with no ETH for its gas, it says so.
  const eth = await chain.getBalance({ address });
  await anvil.setBalance({ address, value: 0n });
  await page.getByTestId("open-tab-withdraw").click();
  await expect(page.getByTestId("open-tab-error")).toContainText("holds no ETH");
  await anvil.setBalance({ address, value: eth > 0n ? eth : parseEther("0.01") });
  await page.getByTestId("open-tab-withdraw").click();
  await expect(page.getByTestId("open-tab-countdown")).toContainText(/Ready in 1[45]:\d\d/);

  // A reload: the withdrawal under way is read from the chain again.
  await page.reload();
  await expect(page.getByTestId("open-tab-countdown")).toContainText(/Ready in 1[45]:\d\d/);
  // The chain's clock reaches the end of the delay (no sleep); the page reads it after another reload.
  const delay = await page.evaluate(() => (JSON.parse(localStorage.getItem("x402chat:tabs:v1:31337") ?? "[]") as Array<{ config: { withdrawDelay: number } }>)[0]!.config.withdrawDelay);
  await anvil.increaseTime({ seconds: delay });
  await anvil.mine({ blocks: 1 });
  await page.reload();
  await wallet.open();
  await wallet.unlock(PASSWORD);
  await wallet.close();
  const before = await usdcOf(address);
  await page.getByTestId("open-tab-finish").click();
  await expect(page.getByTestId("open-tabs-refund")).toContainText("Refunded");
  await expect(page.getByTestId("open-tab")).toHaveCount(0);
  const refunded = parseUnits(/Refunded ([\d.]+) USDC/.exec((await page.getByTestId("open-tabs-refund").textContent())!)![1]!, 6);
  const after = await usdcOf(address);
  expect(after - before).toBe(refunded);
  // Nothing unclaimed is left in the channel: the wallet holds the start less what the seller claimed, to the unit.
  const closed = await channel();
  expect(closed.balance).toBe(closed.totalClaimed);
  expect(after).toBe(start - closed.totalClaimed);
});

const channelsAbi = parseAbi(["function channels(bytes32 channelId) view returns (uint128 balance, uint128 totalClaimed)"]);
