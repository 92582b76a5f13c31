import { expect, test } from "@playwright/test";
import { startAttacker, type Attacker } from "./support/attacker";

/**
 * The outside tester's attack on the proxy, in Chromium: a page on another origin makes the browser POST to
 * /api/proxy?url=<its own HTML page>. Before the fix, that page came back as a document of the app's origin and
 * its script read the app's localStorage.
 */

let attacker: Attacker;
const app = () => new URL(process.env.E2E_BASE_URL!).origin;

test.beforeAll(async () => {
  attacker = await startAttacker(app());
});
test.afterAll(async () => {
  await attacker?.close();
});

const hitsOn = (path: string) => attacker.hits.filter((h) => h.path === path);

test("a page on another origin cannot run script on the app's origin through the proxy", async ({ page }) => {
  // The victim has used the app: its localStorage holds something worth stealing.
  await page.goto("/");
  await page.evaluate(() => localStorage.setItem("e2e-secret", "a keystore"));
  attacker.hits.length = 0;

  // The attack page fetches, then submits its form: the browser navigates to the app's proxy.
  const formAnswer = page.waitForResponse((r) => r.url().startsWith(`${app()}/api/proxy`) && r.request().resourceType() === "document");
  await page.goto(attacker.attackUrl);
  await page.waitForURL((url) => url.origin === app(), { waitUntil: "load" });

  // The form POST is refused as cross-site: a JSON error, not the attacker's page.
  const answer = await formAnswer;
  expect(answer.status()).toBe(403);
  expect(answer.headers()["content-type"]).toMatch(/^application\/json/);
  expect(await answer.json()).toMatchObject({ error: { code: "cross_site" } });
  await expect(page.locator("script")).toHaveCount(0);

  // The fetch with the chat's header died at the preflight (no CORS grant); the simple one was refused unseen.
  expect(hitsOn("/report").map((h) => JSON.parse(h.body))).toEqual([{ withHeader: "failed: TypeError", simple: "answered opaque" }]);
  // The proxy never fetched the attacker's page, and no script of it reported from anywhere (least of all our origin).
  expect(hitsOn("/evil")).toEqual([]);
  expect(hitsOn("/beacon")).toEqual([]);
});

test("even for the app's own page, an HTML answer is a sandboxed download, and the chain RPC and the app are out of reach", async ({ page }) => {
  await page.goto("/");
  attacker.hits.length = 0;
  const results = await page.evaluate(
    async ({ evil, rpc, self }) => {
      const call = async (target: string, body = "{}") => {
        const res = await fetch(`/api/proxy?url=${encodeURIComponent(target)}`, { method: "POST", headers: { "content-type": "application/json", "x-requested-by": "x402-chat" }, body });
        const h = (name: string) => res.headers.get(name);
        return { status: res.status, type: h("content-type"), disposition: h("content-disposition"), csp: h("content-security-policy"), body: await res.text() };
      };
      const setBalance = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "anvil_setBalance", params: ["0x000000000000000000000000000000000000dEaD", "0x1"] });
      return { evil: await call(evil), rpc: await call(rpc, setBalance), self: await call(self) };
    },
    { evil: attacker.evilUrl, rpc: process.env.E2E_ANVIL_RPC_URL!, self: `${app()}/api/agents` },
  );
  expect(results.evil).toMatchObject({ status: 200, type: "application/octet-stream", disposition: "attachment" });
  expect(results.evil.csp).toContain("sandbox");
  expect(hitsOn("/evil")).toHaveLength(1); // fetched this time, for the app's own page, and still never run
  expect(hitsOn("/beacon")).toEqual([]);
  expect([results.rpc.status, JSON.parse(results.rpc.body).error.code]).toEqual([403, "blocked_target"]);
  expect([results.self.status, JSON.parse(results.self.body).error.code]).toEqual([403, "blocked_target"]);
});
