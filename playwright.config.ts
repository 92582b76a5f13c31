import { defineConfig } from "@playwright/test";

// Debian's Chromium: Playwright cannot download its own browser on this machine.
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "./e2e",
  // globalSetup starts anvil + the app on free ports and sets E2E_BASE_URL,
  // which the workers (started after it) read from the environment.
  globalSetup: "./e2e/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  // Specs that move the shared anvil's clock (a tab's withdraw delay) run after all others: once the chain is ahead
  // of the wall clock, authorizations valid for the next 300 s would already be expired on chain.
  projects: [
    { name: "app", testIgnore: /\.clock\.spec\.ts$/ },
    { name: "chain-clock", testMatch: /\.clock\.spec\.ts$/, dependencies: ["app"] },
  ],
  use: {
    baseURL: process.env.E2E_BASE_URL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
      ],
    },
  },
});
