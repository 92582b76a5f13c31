/**
 * Wallet unlock time in Chromium, as the user sees it: click to unlocked. Each run is a fresh page load of a locked
 * wallet (the key lives only in the page's memory), so what the page loads for an unlock counts once per run, as it
 * does for the user; the click is made once the form has loaded and compiled the keystore's crypto, which it does
 * while the user types.
 */
import { chromium } from "@playwright/test";
import { summarize } from "../load/stats";
import { env } from "../../env";

const PASSWORD = "bench password";

export async function measureUnlock(opts: { baseUrl: string; runs: number }) {
  const browser = await chromium.launch({
    executablePath: env.CHROMIUM_PATH,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(opts.baseUrl);
    const area = page.getByTestId("wallet-area");
    await page.getByTestId("wallet-toggle").click();
    await page.getByTestId("create-password").fill(PASSWORD);
    await page.getByTestId("create-confirm").fill(PASSWORD);
    await page.getByTestId("create-submit").click();
    await area.and(page.locator('[data-state="unlocked"]')).waitFor();
    // The strength measured is the one the app writes new vaults with: read back from the stored vault.
    const scryptN = await page.evaluate(() => {
      const raw = Object.entries(localStorage).find(([key]) => key.startsWith("x402chat:vault:"))?.[1];
      return raw ? (JSON.parse(raw).keystore.crypto.kdfparams.n as number) : Number.NaN;
    });
    const samples: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      await page.reload();
      await area.and(page.locator('[data-state="locked"]')).waitFor();
      await page.getByTestId("wallet-toggle").click();
      await page.getByTestId("unlock-password").fill(PASSWORD);
      await page.getByTestId("unlock-form").and(page.locator('[data-prepared="true"]')).waitFor();
      const started = performance.now();
      await page.getByTestId("unlock-submit").click();
      await area.and(page.locator('[data-state="unlocked"]')).waitFor();
      samples.push(performance.now() - started);
    }
    return { ...summarize(samples), scryptN };
  } finally {
    await browser.close();
  }
}
