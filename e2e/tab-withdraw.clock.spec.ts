import { expect, test } from "@playwright/test";
import { BATCH_SETTLEMENT_ADDRESS } from "@x402/evm";
import { createTestClient, http, parseAbi, parseEther, parseUnits, type Hex } from "viem";
import { ChatPage } from "./pages/chat";
import { PASSWORD, WalletPage } from "./pages/wallet";
import { chain, transfers, usdcOf } from "./support/chain";

// This spec moves the shared anvil's clock forward by a tab's withdraw delay (15 minutes or more), after which
// every authorization signed against the wall clock (validBefore = now + 300 s) would be expired on chain. So it
// runs last, as its own Playwright project ("chain-clock", see playwright.config.ts).

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
  // The top-up is reserved in the budgets like the deposit, not spent: spent stays the one charge.
  const session = page.getByTestId("policy-spent-session");
  const charged = BigInt((await session.getAttribute("data-atomic"))!);
  await expect(session).toHaveAttribute("data-reserved", (300_000n - charged).toString());

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
  // The withdrawal releases what was reserved; spent is still the one charge.
  await expect(session).toHaveAttribute("data-reserved", "0");
  await expect(session).toHaveAttribute("data-atomic", charged.toString());
  const closed = await channel();
  expect(closed.balance).toBe(closed.totalClaimed);
  expect(after).toBe(start - closed.totalClaimed);
});

const channelsAbi = parseAbi(["function channels(bytes32 channelId) view returns (uint128 balance, uint128 totalClaimed)"]);
