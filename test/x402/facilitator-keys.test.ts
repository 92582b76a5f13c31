import { x402HTTPClient } from "@x402/core/client";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequired } from "@x402/core/types";
import { createSIWxPayload } from "@x402/extensions/sign-in-with-x";
import { afterAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { NETWORKS } from "@/lib/chains/networks";
import { handleFacilitatorRequest, handleFacilitatorSupported } from "@/lib/x402/facilitator/http";
import {
  handleChallenge,
  handleCreateKey,
  handleListKeys,
  handleRevokeKey,
  handleSessionStatus,
  handleSignIn,
  handleSignOut,
} from "@/lib/x402/facilitator/key-admin";
import { handleKeyedFacilitatorRequest, handleKeyedSupported } from "@/lib/x402/facilitator/keys";
import type { FacilitatorKeyView } from "@/lib/x402/shared/facilitator-key";
import { REPORT, startKeyedSeller } from "../support/keyed-seller";
import { routesFixture } from "../support/fixtures";
import { fundedPayer, paidStackFixture, payingFetch, usdcBalance, x402ClientFor } from "./support";

const stack = paidStackFixture();
// The app's facilitator-key routes, as app/api/facilitator routes them.
const app = routesFixture([
  { method: "POST", path: "/api/facilitator/verify", handle: (req) => handleFacilitatorRequest(req, "verify") },
  { method: "POST", path: "/api/facilitator/settle", handle: (req) => handleFacilitatorRequest(req, "settle") },
  { method: "GET", path: "/api/facilitator/supported", handle: () => handleFacilitatorSupported() },
  { method: "POST", path: "/api/facilitator/keys/session/challenge", handle: (req) => handleChallenge(req) },
  { method: "GET", path: "/api/facilitator/keys/session", handle: (req) => handleSessionStatus(req) },
  { method: "POST", path: "/api/facilitator/keys/session", handle: (req) => handleSignIn(req) },
  { method: "DELETE", path: "/api/facilitator/keys/session", handle: (req) => handleSignOut(req) },
  { method: "GET", path: "/api/facilitator/keys", handle: (req) => handleListKeys(req) },
  { method: "POST", path: "/api/facilitator/keys", handle: (req) => handleCreateKey(req) },
  { method: "DELETE", path: "/api/facilitator/keys/:id", handle: (req, p) => handleRevokeKey(req, p.id!) },
  { method: "POST", path: "/api/facilitator/:apiKey/verify", handle: (req, p) => handleKeyedFacilitatorRequest(req, p.apiKey!, "verify") },
  { method: "POST", path: "/api/facilitator/:apiKey/settle", handle: (req, p) => handleKeyedFacilitatorRequest(req, p.apiKey!, "settle") },
  { method: "GET", path: "/api/facilitator/:apiKey/supported", handle: (_req, p) => handleKeyedSupported(p.apiKey!) },
]);

const PRICE = "25000"; // 0.025 USDC
const json = { "content-type": "application/json" };

/** Signs in as `account` the way the page does (challenge, SIWE signature, session) and returns the cookie. */
async function signIn(account: PrivateKeyAccount): Promise<string> {
  const challenge = await fetch(`${app.url}/api/facilitator/keys/session/challenge`, { method: "POST", headers: json, body: JSON.stringify({ chainId: 31337 }) });
  expect(challenge.status).toBe(200);
  const { info } = (await challenge.json()) as { info: Parameters<typeof createSIWxPayload>[0] };
  const payload = await createSIWxPayload(info, account, `${app.url}/facilitator`);
  const res = await fetch(`${app.url}/api/facilitator/keys/session`, { method: "POST", headers: json, body: JSON.stringify(payload) });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ address: account.address.toLowerCase() });
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

async function createKey(cookie: string, body: Record<string, unknown> = { name: "my shop" }) {
  const res = await fetch(`${app.url}/api/facilitator/keys`, { method: "POST", headers: { ...json, cookie }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as { key: string; facilitatorUrl: string; apiKey: { id: string } };
}

async function listKeys(cookie: string): Promise<FacilitatorKeyView[]> {
  const res = await fetch(`${app.url}/api/facilitator/keys`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { keys: FacilitatorKeyView[] }).keys;
}

const sellers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(sellers.map((s) => s.close()));
});
/** Another seller's server on the official SDK, whose facilitator is `facilitatorUrl` (test/support/keyed-seller.ts). */
async function outsideSeller(facilitatorUrl: string, payTo: string): Promise<string> {
  const seller = await startKeyedSeller({ facilitatorUrl, payTo, price: PRICE });
  sellers.push(seller);
  return seller.url;
}

/** The 402 of a seller's resource, and a payment the official client signs for it, for posting by hand. */
async function signedPayment(url: string, payer: PrivateKeyAccount) {
  const res = await fetch(url);
  expect(res.status).toBe(402);
  const required: PaymentRequired = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED")!);
  const paymentPayload = await new x402HTTPClient(x402ClientFor(payer)).createPaymentPayload(required);
  return { x402Version: 2, paymentPayload, paymentRequirements: paymentPayload.accepted };
}

describe("our facilitator for other sellers, through an API key", () => {
  it("an outside seller on the official SDK is paid by the official client through <base>/api/facilitator/<key>, and the key's usage counts it", async () => {
    const seller = privateKeyToAccount(generatePrivateKey());
    const cookie = await signIn(seller);
    const { key, facilitatorUrl, apiKey } = await createKey(cookie);
    expect(facilitatorUrl).toBe(`${app.url}/api/facilitator/${key}`);
    const url = await outsideSeller(facilitatorUrl, seller.address);

    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const res = await payingFetch(payer)(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(REPORT);
    expect(res.headers.get("PAYMENT-RESPONSE")).toBeTruthy();
    expect(before - (await usdcBalance(stack.anvil.rpcUrl, payer.address))).toBe(BigInt(PRICE));
    expect(await usdcBalance(stack.anvil.rpcUrl, seller.address)).toBe(BigInt(PRICE));

    const [usage] = await listKeys(cookie);
    expect(usage).toMatchObject({ id: apiKey.id, name: "my shop", verifications: 1, settlements: 1, volume: PRICE, revokedAt: null });
    expect(BigInt(usage!.gasWei)).toBeGreaterThan(0n);
  });

  it("refuses a revoked key: the seller's server cannot take payments through it any more", async () => {
    const seller = privateKeyToAccount(generatePrivateKey());
    const cookie = await signIn(seller);
    const { facilitatorUrl, apiKey } = await createKey(cookie);
    const url = await outsideSeller(facilitatorUrl, seller.address);
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    // The seller's server learns what the key supports while it is live…
    expect((await fetch(url)).status).toBe(402);
    const revoked = await fetch(`${app.url}/api/facilitator/keys/${apiKey.id}`, { method: "DELETE", headers: { cookie } });
    expect(revoked.status).toBe(200);

    // …and after the revocation its payments are refused.
    const direct = await fetch(`${facilitatorUrl}/settle`, { method: "POST", headers: json, body: JSON.stringify(await signedPayment(url, payer)) });
    expect(direct.status).toBe(403);
    expect(((await direct.json()) as { error: { code: string } }).error.code).toBe("api_key_revoked");
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const res = await payingFetch(payer)(url);
    expect(res.status).not.toBe(200);
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
    expect(await usdcBalance(stack.anvil.rpcUrl, seller.address)).toBe(0n);
    expect((await listKeys(cookie))[0]).toMatchObject({ settlements: 0 });
    expect((await listKeys(cookie))[0]!.revokedAt).not.toBeNull();
  });

  it("refuses a stranger's settlement without a key, and with a key of someone else", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const url = await outsideSeller(`${app.url}/api/facilitator`, stranger.address);
    const request = JSON.stringify(await signedPayment(url, payer));

    const keyless = await fetch(`${app.url}/api/facilitator/settle`, { method: "POST", headers: json, body: request });
    expect(keyless.status).toBe(403);
    expect(((await keyless.json()) as { error: { code: string } }).error.code).toBe("payee_not_served");

    // A key reaches its owner's address only: another seller's key does not reach the stranger's payTo.
    const other = await createKey(await signIn(privateKeyToAccount(generatePrivateKey())));
    const otherKey = await fetch(`${other.facilitatorUrl}/settle`, { method: "POST", headers: json, body: request });
    expect(otherKey.status).toBe(403);
    expect(((await otherKey.json()) as { error: { code: string } }).error.code).toBe("payee_not_served");

    // The official client paying the keyless seller gets nowhere either.
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    expect((await payingFetch(payer)(url)).status).not.toBe(200);
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
    expect(await usdcBalance(stack.anvil.rpcUrl, stranger.address)).toBe(0n);
  });

  it("shows a key's usage to its owner only, and lets only its owner revoke it", async () => {
    const owner = await signIn(privateKeyToAccount(generatePrivateKey()));
    const { apiKey } = await createKey(owner, { name: "mine" });
    const someoneElse = await signIn(privateKeyToAccount(generatePrivateKey()));
    expect(await listKeys(someoneElse)).toEqual([]);
    const revoke = await fetch(`${app.url}/api/facilitator/keys/${apiKey.id}`, { method: "DELETE", headers: { cookie: someoneElse } });
    expect(revoke.status).toBe(404);
    expect((await listKeys(owner))[0]).toMatchObject({ id: apiKey.id, revokedAt: null });
    // No session: nothing.
    const anonymous = await fetch(`${app.url}/api/facilitator/keys`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe("not_signed_in");
  });

  it("refuses cross-site requests to the cookie routes", async () => {
    const cookie = await signIn(privateKeyToAccount(generatePrivateKey()));
    const res = await fetch(`${app.url}/api/facilitator/keys`, {
      method: "POST",
      headers: { ...json, cookie, "sec-fetch-site": "cross-site" },
      body: JSON.stringify({ name: "forged" }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("cross_site");
    expect(await listKeys(cookie)).toEqual([]);
  });

  it("signs in only with a fresh, unused nonce signed by the address it names", async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const challenge = await fetch(`${app.url}/api/facilitator/keys/session/challenge`, { method: "POST", headers: json, body: JSON.stringify({ chainId: 31337 }) });
    const { info } = (await challenge.json()) as { info: Parameters<typeof createSIWxPayload>[0] };
    const payload = await createSIWxPayload(info, account, `${app.url}/facilitator`);
    const signIn = (body: unknown) => fetch(`${app.url}/api/facilitator/keys/session`, { method: "POST", headers: json, body: JSON.stringify(body) });

    // Someone else's address on the signed message: refused, and the nonce is still good.
    const forged = await signIn({ ...payload, address: privateKeyToAccount(generatePrivateKey()).address });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("sign_in_failed");
    expect((await signIn(payload)).status).toBe(200);
    // The same signed message again: its nonce is used up.
    const replay = await signIn(payload);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe("sign_in_failed");
  });

  it("holds a key to its rate and its networks", async () => {
    const seller = privateKeyToAccount(generatePrivateKey());
    const cookie = await signIn(seller);
    const slow = await createKey(cookie, { name: "slow", ratePerMinute: 1 });
    const verify = () => fetch(`${slow.facilitatorUrl}/verify`, { method: "POST", headers: json, body: "{}" });
    expect((await verify()).status).toBe(400);
    const limited = await verify();
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("rate_limited");

    const unknown = await fetch(`${app.url}/api/facilitator/keys`, {
      method: "POST",
      headers: { ...json, cookie },
      body: JSON.stringify({ name: "elsewhere", networks: ["eip155:1"] }),
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("unknown_network");
    const local = await createKey(cookie, { name: "local only", networks: [NETWORKS.local.caip2] });
    const supported = (await (await fetch(`${local.facilitatorUrl}/supported`)).json()) as { kinds: { scheme: string; network: string }[] };
    expect(supported.kinds.length).toBeGreaterThan(0);
    expect(supported.kinds.every((k) => k.scheme === "exact" && k.network === NETWORKS.local.caip2)).toBe(true);
  });
});
