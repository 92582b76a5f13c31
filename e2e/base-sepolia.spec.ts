import { expect, test } from "@playwright/test";
import { createPublicClient, erc20Abi, http, parseEventLogs, type Hex } from "viem";
import { NETWORKS } from "../lib/chains/networks";
import { ChatPage } from "./pages/chat";
import { HistoryPage } from "./pages/history";
import { WalletPage } from "./pages/wallet";

/** The shipped Base Sepolia agent, paid on the run's local Base Sepolia stand-in (global-setup starts it). */
const AGENT = "00000000-0000-0000-0000-000000000004";
const AGENT_PAY_TO = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";
const network = NETWORKS["base-sepolia"];
const standIn = createPublicClient({ transport: http(process.env.E2E_BASE_SEPOLIA_RPC_URL) });

test("on the Base Sepolia stand-in: a new wallet, the stand-in's faucet, a paid reply whose receipt is on chain and links Basescan, and its history", async ({ page }) => {
  const [wallet, chat, history] = [new WalletPage(page), new ChatPage(page), new HistoryPage(page)];
  await page.goto("/");
  await page.getByTestId("network-selector").selectOption("base-sepolia");
  const address = await wallet.create();
  await expect(wallet.area).toHaveAttribute("data-chain-id", String(network.chainId));

  // The stand-in's own faucet, said to be one; it mints Base Sepolia's USDC on the stand-in.
  await expect(wallet.faucetButton).toHaveText("Get test funds (local Base Sepolia stand-in)");
  await wallet.getTestFunds();
  expect(await standIn.readContract({ address: network.usdc.address, abi: erc20Abi, functionName: "balanceOf", args: [address] })).toBe(10_000000n);
  await wallet.close();

  await chat.openAgent(AGENT);
  await chat.send(`What are the balances of ${address}?`);
  await expect(chat.receipt).toHaveAttribute("data-success", "true");
  const hash = (await chat.receiptTx.textContent()) as Hex;
  // Explorer links stay Base's own, stand-in or not.
  await expect(chat.receiptTx).toHaveAttribute("href", `https://sepolia.basescan.org/tx/${hash}`);

  // The receipt's transaction on the stand-in: the agent's price, from this wallet to the agent, in Base Sepolia's USDC.
  const mined = await standIn.getTransactionReceipt({ hash });
  expect(mined.status).toBe("success");
  const [transfer] = parseEventLogs({ abi: erc20Abi, eventName: "Transfer", logs: mined.logs });
  expect(transfer?.address.toLowerCase()).toBe(network.usdc.address.toLowerCase());
  expect(transfer?.args).toEqual({ from: address, to: AGENT_PAY_TO, value: 2000n });

  await page.getByRole("link", { name: "Payment history" }).click();
  await expect(history.rows).toHaveCount(1);
  await expect(history.tx).toHaveAttribute("href", `https://sepolia.basescan.org/tx/${hash}`);
});
