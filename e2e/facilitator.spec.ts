import { expect, test } from "@playwright/test";
import { parseUnits, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { fundLocalAccount } from "../lib/devchain/deploy";
import { localPayingFetch } from "../lib/devtools/load/client";
import { REPORT, startKeyedSeller } from "../test/support/keyed-seller";
import { WalletPage } from "./pages/wallet";
import { usdcOf } from "./support/chain";

const PRICE = "30000"; // 0.03 USDC

test("/facilitator: a seller signs in with the local wallet, creates a key, sees its usage after a payment through it, and revokes it", async ({ page }) => {
  const wallet = new WalletPage(page);
  await page.goto("/facilitator");
  const address = (await wallet.create()).toLowerCase() as Address;
  await wallet.close();

  // Sign-in with x: the local wallet signs the server's challenge without a prompt; the session is an httpOnly cookie.
  await page.getByTestId("signin-local").click();
  await expect(page.getByTestId("facilitator-address")).toHaveText(address);
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === "x402_facilitator_session")).toMatchObject({ httpOnly: true, sameSite: "Strict" });
  // The session outlives a reload (the page asks the server, not the tab's memory).
  await page.reload();
  await expect(page.getByTestId("facilitator-address")).toHaveText(address);

  await page.getByTestId("key-name").fill("my shop");
  await page.getByTestId("key-create").click();
  const facilitatorUrl = (await page.getByTestId("key-url").textContent())!;
  expect(facilitatorUrl).toMatch(/\/api\/facilitator\/x402fk_[A-Za-z0-9_-]{43}$/);
  const row = page.getByTestId("key-row");
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId("key-row-name")).toHaveText("my shop");
  await expect(row.getByTestId("key-settlements")).toHaveText("0");
  // The key itself is shown once: not in the list.
  await expect(row).not.toContainText(facilitatorUrl.split("/").pop()!);

  // A payment through the key: another seller's server on the official SDK, paid by the official client.
  const seller = await startKeyedSeller({ facilitatorUrl, payTo: address, price: PRICE });
  try {
    const payer = privateKeyToAccount(generatePrivateKey());
    await fundLocalAccount(process.env.E2E_ANVIL_RPC_URL!, payer.address, { usdc: parseUnits("1", 6), eth: 0n });
    const res = await localPayingFetch(payer)(seller.url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(REPORT);
    expect(await usdcOf(address)).toBe(BigInt(PRICE));
  } finally {
    await seller.close();
  }

  await page.getByTestId("keys-refresh").click();
  await expect(row.getByTestId("key-verifications")).toHaveText("1");
  await expect(row.getByTestId("key-settlements")).toHaveText("1");
  await expect(row.getByTestId("key-volume")).toHaveAttribute("data-atomic", PRICE);
  await expect(row.getByTestId("key-volume")).toHaveText("0.03 USDC");
  expect(BigInt((await row.getByTestId("key-gas").getAttribute("data-wei"))!)).toBeGreaterThan(0n);

  await row.getByTestId("key-revoke").click();
  await expect(row.getByTestId("key-status")).toHaveText("revoked");
  const refused = await fetch(`${facilitatorUrl}/supported`);
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("api_key_revoked");
});
