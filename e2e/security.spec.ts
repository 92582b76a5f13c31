import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, closeWallet, createWallet, exportWallet, getTestFunds, openWallet } from "./support/wallet";

const MARKET = "00000000-0000-0000-0000-000000000001";

/** Console messages and page errors that say the browser refused something, plus the CSP violation events. */
async function watchForViolations(page: Page): Promise<() => Promise<string[]>> {
  const seen: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) seen.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => seen.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return async () => [...seen, ...(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations))];
}

test("pages and API routes carry a strict CSP and the other security headers", async ({ request }) => {
  for (const path of ["/", "/history", "/api/agents"]) {
    const res = await request.get(path);
    expect(res.status(), path).toBe(200);
    const headers = res.headers();
    const csp = headers["content-security-policy"] ?? "";
    for (const directive of ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "img-src 'self' data: blob:"]) {
      expect(csp, `${path}: ${directive}`).toContain(directive);
    }
    expect(csp, path).toMatch(/connect-src 'self'/);
    expect(csp, path).not.toContain("unsafe-eval"); // a production build
    expect(headers["referrer-policy"], path).toBe("no-referrer");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["permissions-policy"], path).toBe("camera=(), microphone=(), geolocation=()");
  }
});

test("the home page and the history load and work under the CSP, with no violation", async ({ page }) => {
  const violations = await watchForViolations(page);
  await page.goto("/");
  await expect(page.getByTestId(`agent-card-${MARKET}`)).toBeVisible();
  await createWallet(page); // scrypt, the keystore and the wallet UI: the app's heaviest scripts run
  await closeWallet(page);
  expect(await violations()).toEqual([]);

  await page.getByTestId("history-link").click();
  await expect(page.getByTestId("history")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("history")).toBeVisible();
  expect(await violations()).toEqual([]);
});

test("no key, keystore secret, password or payment header in any line the app logged", async ({ page }) => {
  const logPath = process.env.E2E_APP_LOG;
  expect(logPath, "E2E_APP_LOG: the file with the app's output (global-setup writes it)").toBeTruthy();
  const paymentHeaders: string[] = [];
  page.on("request", (r) => {
    const proof = r.headers()["payment-signature"];
    if (proof) paymentHeaders.push(proof);
  });

  await page.goto("/");
  await createWallet(page);
  await getTestFunds(page);
  await closeWallet(page);
  await page.getByTestId(`agent-card-${MARKET}`).click();
  await page.getByTestId("composer-input").fill("What is the current price of ETH?");
  await page.getByTestId("composer-send").click();
  await expect(page.getByTestId("receipt")).toHaveAttribute("data-success", "true");
  await openWallet(page);
  const { privateKey, keystorePath } = await exportWallet(page);
  const keystore = JSON.parse(readFileSync(keystorePath, "utf8")) as { crypto: { ciphertext: string; mac: string } };

  const log = readFileSync(logPath!, "utf8").toLowerCase();
  expect(log).toContain("[start] x402 chat on http://"); // the capture holds the app's own output
  expect(paymentHeaders).toHaveLength(1);
  const signature = (JSON.parse(Buffer.from(paymentHeaders[0]!, "base64").toString("utf8")) as { payload: { signature: string } }).payload.signature;
  const secrets = {
    "private key": privateKey,
    "private key without 0x": privateKey.slice(2),
    "keystore ciphertext": keystore.crypto.ciphertext,
    "keystore mac": keystore.crypto.mac,
    password: PASSWORD,
    "payment header": paymentHeaders[0]!,
    "payment signature": signature.slice(2),
  };
  for (const [name, secret] of Object.entries(secrets)) expect(log.includes(secret.toLowerCase()), name).toBe(false);
});
