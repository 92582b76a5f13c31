import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { encryptKeystoreJson } from "ethers";
import { parseEther } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { NetworkBar } from "./pages/network";
import { LOCAL_VAULT_KEY, PASSWORD, WalletPage } from "./pages/wallet";
import { chainBalances } from "./support/chain";

test("create, fund, lock, unlock, export, and import in a fresh browser profile", async ({ page, browser }) => {
  const wallet = new WalletPage(page);
  await page.goto("/");
  await expect(wallet.area).toHaveAttribute("data-state", "empty");
  const address = await wallet.create();
  expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
  await expect(wallet.qr).toHaveAttribute("src", /^data:image\/png;base64,/);

  await expect(wallet.usdc).toHaveAttribute("data-atomic", "0");
  await wallet.faucetButton.click();
  await expect(wallet.faucetMessage).toHaveText("Sent 10 USDC and 0.01 ETH");
  // A second request at once is rate limited, and says so.
  await wallet.faucetButton.click();
  await expect(wallet.faucetMessage).toContainText("try again in");
  await expect(wallet.usdc).toHaveAttribute("data-atomic", "10000000");
  await expect(wallet.usdc).toHaveText("10");
  await expect(wallet.eth).toHaveText("0.01");
  expect(await chainBalances(address)).toEqual({ usdc: 10_000000n, eth: parseEther("0.01") });

  await wallet.lockButton.click();
  await expect(wallet.area).toHaveAttribute("data-state", "locked");
  await wallet.unlock("not my password");
  await expect(wallet.unlockError).toHaveText("Wrong password");
  await expect(wallet.area).toHaveAttribute("data-state", "locked");
  await expect(wallet.address).toHaveCount(0);
  await wallet.unlock(PASSWORD);
  await expect(wallet.area).toHaveAttribute("data-state", "unlocked");

  const exported = await wallet.export();
  expect(privateKeyToAddress(exported.privateKey)).toBe(address);
  expect(exported.filename).toMatch(new RegExp(`^UTC--.*--${address.slice(2).toLowerCase()}\\.json$`));
  const keystore = JSON.parse(readFileSync(exported.keystorePath, "utf8"));
  expect(Object.keys(keystore)).toContain("crypto");
  expect(keystore.crypto.kdfparams).toMatchObject({ n: 65536, r: 8, p: 1 });
  expect(`0x${keystore.address}`).toBe(address.toLowerCase());

  const fresh = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
  try {
    const otherPage = await fresh.newPage();
    const other = new WalletPage(otherPage);
    await otherPage.goto("/");
    await expect(other.area).toHaveAttribute("data-state", "empty");
    await other.open();
    await other.chooseKeystore(exported.keystorePath);
    await other.importPassword.fill("wrong password");
    await other.importSubmit.click();
    await expect(other.importError).toHaveText("Wrong password");
    await other.importPassword.fill(PASSWORD);
    await other.importSubmit.click();
    await expect(other.area).toHaveAttribute("data-state", "unlocked");
    await expect(other.address).toHaveText(address);
    await expect(other.usdc).toHaveAttribute("data-atomic", "10000000");
    await expect(other.eth).toHaveText("0.01");

    // The imported wallet keeps the file's password: it locks and unlocks with it.
    await other.lockButton.click();
    await other.unlock(PASSWORD);
    await expect(other.area).toHaveAttribute("data-state", "unlocked");
  } finally {
    await fresh.close();
  }
});

test("the unlock form loads the keystore's crypto and the QR code while the password is typed: the click downloads no script", async ({ page }) => {
  const wallet = new WalletPage(page);
  await page.goto("/");
  await wallet.create();
  await page.reload();
  await expect(wallet.area).toHaveAttribute("data-state", "locked");
  await wallet.open();
  await expect(page.getByTestId("unlock-form")).toHaveAttribute("data-prepared", "true");
  // From here on every script request fails: an unlock that still had to load its module would fail with it, and
  // so would the unlocked panel's QR code if its library were loaded only then (it was, inside the user's wait).
  await page.route(/\.js(\?|$)/, (route) => route.abort());
  await wallet.unlock(PASSWORD);
  await expect(wallet.area).toHaveAttribute("data-state", "unlocked");
  await expect(wallet.unlockError).toHaveCount(0);
  await expect(page.getByTestId("wallet-qr")).toBeVisible();
});

test("a keystore file imported under its own password keeps the file's scrypt strength (never weaker)", async ({ page }) => {
  const wallet = new WalletPage(page);
  const key = generatePrivateKey();
  const address = privateKeyToAddress(key);
  // ethers writes N=2^17, as geth does: stronger than the 2^16 of a vault this app creates.
  const file = path.join(test.info().outputDir, "ethers-keystore.json");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, await encryptKeystoreJson({ address, privateKey: key }, PASSWORD));
  expect(JSON.parse(readFileSync(file, "utf8")).Crypto.kdfparams.n).toBe(131072); // ethers' capitalised key

  await page.goto("/");
  await wallet.open();
  await wallet.chooseKeystore(file);
  await wallet.importPassword.fill(PASSWORD);
  await wallet.importSubmit.click();
  await expect(wallet.area).toHaveAttribute("data-state", "unlocked");
  await expect(wallet.address).toHaveText(address);
  const stored = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)!), LOCAL_VAULT_KEY);
  expect(stored.keystore.crypto.kdfparams).toMatchObject({ n: 131072, r: 8, p: 1 });
});

test("no request the page makes during create, unlock and export carries the key or the keystore", async ({ page }) => {
  const wallet = new WalletPage(page);
  const requests: string[] = [];
  page.on("request", (request) => {
    requests.push([request.method(), request.url(), JSON.stringify(request.headers()), request.postData() ?? ""].join("\n"));
  });
  await page.goto("/");
  const address = await wallet.create();
  await wallet.lockButton.click();
  await wallet.unlock(PASSWORD);
  await expect(wallet.area).toHaveAttribute("data-state", "unlocked");
  const { privateKey, keystorePath } = await wallet.export();
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
  const wallet = new WalletPage(page);
  const stored = () => page.evaluate((key) => localStorage.getItem(key), LOCAL_VAULT_KEY);
  const store = (value: string) => page.evaluate(([key, v]) => localStorage.setItem(key, v), [LOCAL_VAULT_KEY, value] as const);
  await page.goto("/");
  const raw = '{"version":1,"address":"0xdamaged"';
  await store(raw);
  await page.reload();
  await expect(wallet.area).toHaveAttribute("data-state", "corrupt");
  await wallet.open();
  await expect(wallet.vaultBroken).toContainText("not valid JSON");
  await expect(wallet.vaultReset).toBeDisabled();
  expect(await stored()).toBe(raw);

  const downloading = page.waitForEvent("download");
  await wallet.vaultRawDownload.click();
  expect(readFileSync((await (await downloading).path())!, "utf8")).toBe(raw);
  await wallet.vaultReset.click();
  await expect(wallet.area).toHaveAttribute("data-state", "empty");
  expect(await stored()).toBeNull();

  await store(JSON.stringify({ version: 9 }));
  await page.reload();
  await expect(wallet.area).toHaveAttribute("data-state", "unknown-version");
});

test("one wallet per network, and a second tab sees a wallet created in the first (locked there)", async ({ page, context }) => {
  const wallet = new WalletPage(page);
  const network = new NetworkBar(page);
  await page.goto("/");
  const secondPage = await context.newPage();
  const second = new WalletPage(secondPage);
  await secondPage.goto("/");
  await expect(second.area).toHaveAttribute("data-state", "empty");

  const address = await wallet.create();
  await expect(second.area).toHaveAttribute("data-state", "locked");

  // Base Sepolia has its own, empty vault; the local wallet is neither shown nor used there.
  await network.selector.selectOption("base-sepolia");
  await expect(wallet.area).toHaveAttribute("data-chain-id", "84532");
  await expect(wallet.area).toHaveAttribute("data-state", "empty");
  await network.selector.selectOption("local");
  await expect(wallet.area).toHaveAttribute("data-state", "unlocked");
  await expect(wallet.address).toHaveText(address);

  // Deleting the vault in one tab locks it in the other.
  await secondPage.evaluate((key) => localStorage.removeItem(key), LOCAL_VAULT_KEY);
  await expect(wallet.area).toHaveAttribute("data-state", "empty");
});
