/** Wallet unlock time in Chromium at the keystore's scrypt strength, as the user sees it: click to unlocked. */
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
    await page.getByTestId("wallet-toggle").click();
    await page.getByTestId("create-password").fill(PASSWORD);
    await page.getByTestId("create-confirm").fill(PASSWORD);
    await page.getByTestId("create-submit").click();
    const area = page.getByTestId("wallet-area");
    await area.and(page.locator('[data-state="unlocked"]')).waitFor();
    const samples: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      await page.getByTestId("wallet-lock").click();
      await area.and(page.locator('[data-state="locked"]')).waitFor();
      await page.getByTestId("unlock-password").fill(PASSWORD);
      const started = performance.now();
      await page.getByTestId("unlock-submit").click();
      await area.and(page.locator('[data-state="unlocked"]')).waitFor();
      samples.push(performance.now() - started);
    }
    return summarize(samples);
  } finally {
    await browser.close();
  }
}
