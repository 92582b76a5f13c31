import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { parseEther } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { PASSWORD, chainBalances, createWallet, exportWallet, openWallet, unlock } from "./support/wallet";

test("create, fund, lock, unlock, export, and import in a fresh browser profile", async ({ page, browser }) => {
  await page.goto("/");
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-state", "empty");
  const address = await createWallet(page);
  expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
  await expect(page.getByTestId("wallet-qr")).toHaveAttribute("src", /^data:image\/png;base64,/);

  await expect(page.getByTestId("balance-usdc")).toHaveAttribute("data-atomic", "0");
  await page.getByTestId("faucet-button").click();
  await expect(page.getByTestId("faucet-message")).toHaveText("Sent 10 USDC and 0.01 ETH");
  // A second request at once is rate limited, and says so.
  await page.getByTestId("faucet-button").click();
  await expect(page.getByTestId("faucet-message")).toContainText("try again in");
  await expect(page.getByTestId("balance-usdc")).toHaveAttribute("data-atomic", "10000000");
  await expect(page.getByTestId("balance-usdc")).toHaveText("10");
  await expect(page.getByTestId("balance-eth")).toHaveText("0.01");
  expect(await chainBalances(address)).toEqual({ usdc: 10_000000n, eth: parseEther("0.01") });

  await page.getByTestId("wallet-lock").click();
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-state", "locked");
  await unlock(page, "not my password");
  await expect(page.getByTestId("unlock-error")).toHaveText("Wrong password");
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-state", "locked");
  await expect(page.getByTestId("wallet-address")).toHaveCount(0);
  await unlock(page, PASSWORD);
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-state", "unlocked");

  const exported = await exportWallet(page);
  expect(privateKeyToAddress(exported.privateKey)).toBe(address);
  expect(exported.filename).toMatch(new RegExp(`^UTC--.*--${address.slice(2).toLowerCase()}\\.json$`));
  const keystore = JSON.parse(readFileSync(exported.keystorePath, "utf8"));
  expect(Object.keys(keystore)).toContain("crypto");
  expect(keystore.crypto.kdfparams).toMatchObject({ n: 131072, r: 8, p: 1 });
  expect(`0x${keystore.address}`).toBe(address.toLowerCase());

  const fresh = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
  try {
    const other = await fresh.newPage();
    await other.goto("/");
    await expect(other.getByTestId("wallet-area")).toHaveAttribute("data-state", "empty");
    await openWallet(other);
    await other.getByTestId("tab-import").click();
    await other.getByTestId("import-file").setInputFiles(exported.keystorePath);
    await other.getByTestId("import-file-password").fill("wrong password");
    await other.getByTestId("import-submit").click();
    await expect(other.getByTestId("import-error")).toHaveText("Wrong password");
    await other.getByTestId("import-file-password").fill(PASSWORD);
    await other.getByTestId("import-submit").click();
    await expect(other.getByTestId("wallet-area")).toHaveAttribute("data-state", "unlocked");
    await expect(other.getByTestId("wallet-address")).toHaveText(address);
    await expect(other.getByTestId("balance-usdc")).toHaveAttribute("data-atomic", "10000000");
    await expect(other.getByTestId("balance-eth")).toHaveText("0.01");

    // The imported wallet keeps the file's password: it locks and unlocks with it.
    await other.getByTestId("wallet-lock").click();
    await unlock(other, PASSWORD);
    await expect(other.getByTestId("wallet-area")).toHaveAttribute("data-state", "unlocked");
  } finally {
    await fresh.close();
  }
});

test("no request the page makes during create, unlock and export carries the key or the keystore", async ({ page }) => {
  const requests: string[] = [];
  page.on("request", (request) => {
    requests.push([request.method(), request.url(), JSON.stringify(request.headers()), request.postData() ?? ""].join("\n"));
  });
  await page.goto("/");
  const address = await createWallet(page);
  await page.getByTestId("wallet-lock").click();
  await unlock(page, PASSWORD);
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-state", "unlocked");
  const { privateKey, keystorePath } = await exportWallet(page);
  expect(privateKeyToAddress(privateKey)).toBe(address);
  const keystore = JSON.parse(readFileSync(keystorePath, "utf8"));

  // The page did talk to the server (balances, faucet info), with the address: the capture works.
  expect(requests.some((r) => r.includes("/api/wallet/balances") && r.includes(address))).toBe(true);
  const secrets = [privateKey.slice(2), keystore.crypto.ciphertext, keystore.crypto.mac, keystore.crypto.kdfparams.salt];
  for (const request of requests) {
    for (const secret of secrets) expect(request.toLowerCase()).not.toContain(secret.toLowerCase());
  }
});

test("unreadable stored data is reported, kept, downloadable, and reset only on request", async ({ page }) => {
  await page.goto("/");
  const raw = '{"version":1,"address":"0xdamaged"';
  await page.evaluate((value) => localStorage.setItem("x402chat:vault:v1:31337", value), raw);
  await page.reload();
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-state", "corrupt");
  await openWallet(page);
  await expect(page.getByTestId("vault-broken")).toContainText("not valid JSON");
  await expect(page.getByTestId("vault-reset")).toBeDisabled();
  expect(await page.evaluate(() => localStorage.getItem("x402chat:vault:v1:31337"))).toBe(raw);

  const downloading = page.waitForEvent("download");
  await page.getByTestId("vault-raw-download").click();
  expect(readFileSync((await (await downloading).path())!, "utf8")).toBe(raw);
  await page.getByTestId("vault-reset").click();
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-state", "empty");
  expect(await page.evaluate(() => localStorage.getItem("x402chat:vault:v1:31337"))).toBeNull();

  await page.evaluate(() => localStorage.setItem("x402chat:vault:v1:31337", JSON.stringify({ version: 9 })));
  await page.reload();
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-state", "unknown-version");
});

test("one wallet per network, and a second tab sees a wallet created in the first (locked there)", async ({ page, context }) => {
  await page.goto("/");
  const second = await context.newPage();
  await second.goto("/");
  await expect(second.getByTestId("wallet-area")).toHaveAttribute("data-state", "empty");

  const address = await createWallet(page);
  await expect(second.getByTestId("wallet-area")).toHaveAttribute("data-state", "locked");

  // Base Sepolia has its own, empty vault; the local wallet is neither shown nor used there.
  await page.getByTestId("network-selector").selectOption("base-sepolia");
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-chain-id", "84532");
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-state", "empty");
  await page.getByTestId("network-selector").selectOption("local");
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-state", "unlocked");
  await expect(page.getByTestId("wallet-address")).toHaveText(address);

  // Deleting the vault in one tab locks it in the other.
  await second.evaluate(() => localStorage.removeItem("x402chat:vault:v1:31337"));
  await expect(page.getByTestId("wallet-area")).toHaveAttribute("data-state", "empty");
});
