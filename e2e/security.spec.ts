import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { expect, test, type Page } from "@playwright/test";
import { ChatPage } from "./pages/chat";
import { HistoryPage } from "./pages/history";
import { PASSWORD, WalletPage } from "./pages/wallet";

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
    // A production build: no JS eval. WebAssembly compilation ('wasm-unsafe-eval', the keystore's scrypt) is all it allows.
    expect(csp, path).not.toContain("'unsafe-eval'");
    expect(headers["referrer-policy"], path).toBe("no-referrer");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["permissions-policy"], path).toBe("camera=(), microphone=(), geolocation=()");
  }
});

test("the paid agent routes carry a fixed policy that allows nothing, and the other security headers", async ({ request }) => {
  for (const path of ["/api/x402/00000000-0000-0000-0000-000000000001/chat", "/agent/00000000-0000-0000-0000-000000000001/v1/chat"]) {
    const res = await request.post(path, { data: { messages: [{ role: "user", content: "hi" }] } });
    expect(res.status(), path).toBe(402);
    const headers = res.headers();
    expect(headers["content-security-policy"], path).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe("no-referrer");
  }
});

/** The script-src directive of a CSP header, and the nonce in it. */
function scriptSrc(csp: string): { directive: string; nonce: string | undefined } {
  const directive = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src ")) ?? "";
  return { directive, nonce: /'nonce-([^']+)'/.exec(directive)?.[1] };
}

test("scripts run by a per-response nonce, never 'unsafe-inline'; every script tag of a page carries it", async ({ request }) => {
  const nonces: string[] = [];
  for (const path of ["/", "/", "/history"]) {
    const res = await request.get(path);
    const { directive, nonce } = scriptSrc(res.headers()["content-security-policy"] ?? "");
    expect(directive, path).not.toContain("'unsafe-inline'");
    expect(nonce, `${path}: ${directive}`).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const tags = (await res.text()).match(/<script\b[^>]*>/g) ?? [];
    expect(tags.length, path).toBeGreaterThan(0);
    for (const tag of tags) expect(tag, path).toContain(`nonce="${nonce}"`);
    nonces.push(nonce!);
  }
  expect(new Set(nonces).size, "a fresh nonce per response").toBe(nonces.length);
  const api = await request.get("/api/agents");
  expect(scriptSrc(api.headers()["content-security-policy"] ?? "").directive).not.toContain("'unsafe-inline'");
});

test("an injected inline script without the nonce is blocked, while the app's own scripts hydrate", async ({ page }) => {
  const violations = await watchForViolations(page);
  await page.goto("/");
  await page.addScriptTag({ content: "window.injectedRan = true;" }).catch(() => undefined); // Playwright may report the refusal
  expect(await page.evaluate(() => (window as unknown as { injectedRan?: boolean }).injectedRan)).toBeUndefined();
  await expect.poll(violations).toContain("script-src-elem inline");
  // Hydrated: a click on an agent opens its chat, which only React's handlers do.
  const chat = new ChatPage(page);
  await chat.openAgent();
  await expect(chat.input).toBeVisible();
  // The injected script was the only script refused: none of the app's own scripts or chunks. (zod's
  // `Function("")` probe for eval support is refused as before, as 'script-src eval', and zod does without.)
  expect((await violations()).filter((v) => v.startsWith("script-src-elem"))).toEqual(["script-src-elem inline"]);
});

/** A GET with a chosen Host header: fetch cannot set Host, node:http can. */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string }> {
  const url = new URL(path, process.env.E2E_BASE_URL);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("a request naming another host is refused (DNS rebinding); the loopback names are answered", async () => {
  const port = new URL(process.env.E2E_BASE_URL!).port;
  for (const path of ["/", "/api/agents", "/api/networks/31337/status"]) {
    const res = await getWithHost(path, `rebind.attacker.example:${port}`);
    expect(res.status, path).toBe(421);
    expect(JSON.parse(res.body), path).toMatchObject({ error: { code: "host_not_allowed" } });
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
    expect((await getWithHost("/api/agents", host)).status, host).toBe(200);
  }
});

test("the home page and the history load and work under the CSP, with no violation", async ({ page }) => {
  const [wallet, chat, history] = [new WalletPage(page), new ChatPage(page), new HistoryPage(page)];
  const violations = await watchForViolations(page);
  await page.goto("/");
  await expect(chat.agentCard()).toBeVisible();
  await wallet.create(); // scrypt, the keystore and the wallet UI: the app's heaviest scripts run
  await wallet.close();
  expect(await violations()).toEqual([]);

  await history.open();
  await expect(history.root).toBeVisible();
  await page.reload();
  await expect(history.root).toBeVisible();
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

  const [wallet, chat] = [new WalletPage(page), new ChatPage(page)];
  await page.goto("/");
  await wallet.create();
  await wallet.getTestFunds();
  await wallet.close();
  await chat.openAgent();
  await chat.send("What is the current price of ETH?");
  await expect(chat.receipt).toHaveAttribute("data-success", "true");
  await wallet.open();
  const { privateKey, keystorePath } = await wallet.export();
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
