import { expect, test } from "@playwright/test";
import { decodePaymentSignatureHeader } from "@x402/core/http";
import { createWalletClient, http, parseAbi, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { NETWORKS } from "../lib/chains/networks";
import { EXTERNAL_PAY_TO, FAKE_TRANSACTION, startExternalX402Server } from "../test/support/external-x402-server";
import { ChatPage } from "./pages/chat";
import { HistoryPage } from "./pages/history";
import { WalletPage } from "./pages/wallet";
import { chain, usdcOf } from "./support/chain";

const transferAbi = parseAbi([
  "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature)",
]);
// Anvil's account #5 submits the late settlement, as the agent's facilitator would.
const settler = privateKeyToAccount("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");

test("a pasted agent's made-up receipt shows as unconfirmed, not paid; the history settles it only from the chain", async ({ page }) => {
  // A dishonest agent: takes the signed payment, never settles it, and streams "Paid 0 USDC" with tx 0xdead….
  const agent = await startExternalX402Server({ rpcUrl: process.env.E2E_ANVIL_RPC_URL!, mode: "fake-receipt" });
  const wallet = new WalletPage(page);
  const chat = new ChatPage(page);
  const history = new HistoryPage(page);
  try {
    await page.goto("/");
    const address = await wallet.create();
    await wallet.getTestFunds();
    await wallet.close();
    await chat.probe(`${agent.url}/chat`);
    await expect(chat.probePrice).toHaveText("0.02 USDC");
    await chat.useProbed();
    await chat.send("did you pay yourself?");

    await expect(chat.assistantText).toContainText("did you pay yourself?");
    const receipt = chat.receipt;
    await expect(receipt).toHaveAttribute("data-status", "unconfirmed");
    await expect(receipt).toHaveAttribute("data-success", "false");
    await expect(receipt).toContainText("Unconfirmed: 0.02 USDC signed"); // what was signed, not the agent's "0 USDC"
    await expect(receipt).not.toContainText("Paid");
    await expect(chat.receiptTx).toHaveCount(0);
    await expect(chat.receiptClaimedTx).toContainText(FAKE_TRANSACTION);
    expect(await usdcOf(address)).toBe(10_000000n);

    // The history keeps it unconfirmed and counts nothing as spent.
    await history.open();
    const row = history.rows;
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute("data-status", "unconfirmed");
    await expect(history.status).toHaveText("unconfirmed");
    await expect(history.spent).toHaveText("0 USDC");

    // The agent settles the authorization later: the history finds it on chain and records the real transaction.
    const { header } = (await (await fetch(`${agent.url}/last-payment`)).json()) as { header: string };
    const { authorization: a, signature } = decodePaymentSignatureHeader(header).payload as {
      authorization: { from: Address; to: Address; value: string; validAfter: string; validBefore: string; nonce: Hex };
      signature: Hex;
    };
    expect(a).toMatchObject({ from: address, to: EXTERNAL_PAY_TO, value: "20000" });
    const settlerWallet = createWalletClient({ account: settler, transport: http(process.env.E2E_ANVIL_RPC_URL) });
    const hash = await settlerWallet.writeContract({
      chain: null,
      address: NETWORKS.local.usdc.address,
      abi: transferAbi,
      functionName: "transferWithAuthorization",
      args: [a.from, a.to, BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce, signature],
    });
    expect((await chain.waitForTransactionReceipt({ hash })).status).toBe("success");
    await page.reload();
    await expect(row).toHaveAttribute("data-status", "settled");
    await expect(history.tx).toHaveText(hash);
    await expect(history.spent).toHaveText("0.02 USDC");
  } finally {
    await agent.stop();
  }
});
