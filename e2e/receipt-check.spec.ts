import { expect, test } from "@playwright/test";
import { decodePaymentSignatureHeader } from "@x402/core/http";
import { createWalletClient, http, parseAbi, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { NETWORKS } from "../lib/chains/networks";
import { EXTERNAL_PAY_TO, FAKE_TRANSACTION, startExternalX402Server } from "../test/support/external-x402-server";
import { chain, closeWallet, createWallet, getTestFunds, usdcOf } from "./support/wallet";

const transferAbi = parseAbi([
  "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature)",
]);
// Anvil's account #5 submits the late settlement, as the agent's facilitator would.
const settler = privateKeyToAccount("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");

test("a pasted agent's made-up receipt shows as unconfirmed, not paid; the history settles it only from the chain", async ({ page }) => {
  // A dishonest agent: takes the signed payment, never settles it, and streams "Paid 0 USDC" with tx 0xdead….
  const agent = await startExternalX402Server({ rpcUrl: process.env.E2E_ANVIL_RPC_URL!, mode: "fake-receipt" });
  try {
    await page.goto("/");
    const address = await createWallet(page);
    await getTestFunds(page);
    await closeWallet(page);
    await page.getByTestId("agent-url-input").fill(`${agent.url}/chat`);
    await page.getByTestId("agent-url-probe").click();
    await expect(page.getByTestId("probe-price")).toHaveText("0.02 USDC");
    await page.getByTestId("probe-use").click();
    await page.getByTestId("composer-input").fill("did you pay yourself?");
    await page.getByTestId("composer-send").click();

    await expect(page.getByTestId("message-assistant").getByTestId("message-text")).toContainText("did you pay yourself?");
    const receipt = page.getByTestId("receipt");
    await expect(receipt).toHaveAttribute("data-status", "unconfirmed");
    await expect(receipt).toHaveAttribute("data-success", "false");
    await expect(receipt).toContainText("Unconfirmed: 0.02 USDC signed"); // what was signed, not the agent's "0 USDC"
    await expect(receipt).not.toContainText("Paid");
    await expect(page.getByTestId("receipt-tx")).toHaveCount(0);
    await expect(page.getByTestId("receipt-claimed-tx")).toContainText(FAKE_TRANSACTION);
    expect(await usdcOf(address)).toBe(10_000000n);

    // The history keeps it unconfirmed and counts nothing as spent.
    await page.getByTestId("history-link").click();
    const row = page.getByTestId("history-row");
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute("data-status", "unconfirmed");
    await expect(page.getByTestId("history-status")).toHaveText("unconfirmed");
    await expect(page.getByTestId("stat-spent")).toHaveText("0 USDC");

    // The agent settles the authorization later: the history finds it on chain and records the real transaction.
    const { header } = (await (await fetch(`${agent.url}/last-payment`)).json()) as { header: string };
    const { authorization: a, signature } = decodePaymentSignatureHeader(header).payload as {
      authorization: { from: Address; to: Address; value: string; validAfter: string; validBefore: string; nonce: Hex };
      signature: Hex;
    };
    expect(a).toMatchObject({ from: address, to: EXTERNAL_PAY_TO, value: "20000" });
    const wallet = createWalletClient({ account: settler, transport: http(process.env.E2E_ANVIL_RPC_URL) });
    const hash = await wallet.writeContract({
      chain: null,
      address: NETWORKS.local.usdc.address,
      abi: transferAbi,
      functionName: "transferWithAuthorization",
      args: [a.from, a.to, BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce, signature],
    });
    expect((await chain.waitForTransactionReceipt({ hash })).status).toBe("success");
    await page.reload();
    await expect(row).toHaveAttribute("data-status", "settled");
    await expect(page.getByTestId("history-tx")).toHaveText(hash);
    await expect(page.getByTestId("stat-spent")).toHaveText("0.02 USDC");
  } finally {
    await agent.stop();
  }
});
