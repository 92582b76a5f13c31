/** POST /api/faucet against a real anvil: funds on the local chain only, once per address per window. */
import { createPublicClient, erc20Abi, http, parseEther, zeroAddress, type Address } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { GET, POST } from "@/app/api/faucet/route";
import { NETWORKS } from "@/lib/chains/networks";
import { FAUCET_GLOBAL_WINDOW_MS, faucetGlobalMax } from "@/lib/server-wallet/faucet";

const FAUCET_GLOBAL_MAX = faucetGlobalMax();
import { testChainFixture } from "../support/fixtures";

const anvil = testChainFixture();

beforeAll(() => {
  vi.stubEnv("CDP_API_KEY_ID", "");
  vi.stubEnv("CDP_API_KEY_SECRET", "");
});

afterAll(() => {
  vi.unstubAllEnvs();
});

// Each test starts in windows of its own: the limiters live in the module, across tests.
let clock = Date.now();
beforeEach(() => {
  clock += 2 * 3_600_000;
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(clock);
});

afterEach(() => {
  vi.useRealTimers();
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  POST(
    new Request("http://app.test/api/faucet", {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
      headers: { "content-type": "application/json", ...headers },
    }),
  );

async function balancesOf(address: Address) {
  const client = createPublicClient({ transport: http(anvil.rpcUrl) });
  const usdc = await client.readContract({
    address: NETWORKS.local.usdc.address,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [address],
  });
  return { usdc, eth: await client.getBalance({ address }) };
}

const freshAddress = () => privateKeyToAddress(generatePrivateKey());

describe("POST /api/faucet", () => {
  it("mints 10 USDC and sends 0.01 ETH on the local chain", async () => {
    const address = freshAddress();
    expect(await balancesOf(address)).toEqual({ usdc: 0n, eth: 0n });
    const res = await post({ address, chainId: 31337 });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ ok: true, kind: "local", usdc: "10000000", eth: "10000000000000000" });
    expect(body.transactions).toHaveLength(2);
    expect(await balancesOf(address)).toEqual({ usdc: 10_000000n, eth: parseEther("0.01") });
  });

  it("answers 429 with Retry-After for a second request within 10 s, and funds again after it", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const address = freshAddress();
    expect((await post({ address, chainId: 31337 })).status).toBe(200);

    vi.setSystemTime(Date.now() + 4_000);
    const limited = await post({ address: address.toLowerCase(), chainId: 31337 });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("6");
    expect((await limited.json()).error).toMatchObject({ code: "rate_limited", message: /try again in 6 s/ });
    expect((await balancesOf(address)).usdc).toBe(10_000000n);

    // Another address is not held up by the first.
    expect((await post({ address: freshAddress(), chainId: 31337 })).status).toBe(200);

    vi.setSystemTime(Date.now() + 6_000);
    expect((await post({ address, chainId: 31337 })).status).toBe(200);
    expect((await balancesOf(address)).usdc).toBe(20_000000n);
  });

  it("refuses Base (no faucet) and Base Sepolia without CDP keys, pointing at Circle's faucet", async () => {
    const address = freshAddress();
    const base = await post({ address, chainId: 8453 });
    expect(base.status).toBe(403);
    expect((await base.json()).error.message).toMatch(/real money/);
    const sepolia = await post({ address, chainId: 84532 });
    expect(sepolia.status).toBe(403);
    expect((await sepolia.json()).error.message).toMatch(/faucet\.circle\.com/);
  });

  it("rejects unknown chains, bad addresses and bodies that are not JSON", async () => {
    expect((await post({ address: freshAddress(), chainId: 1 })).status).toBe(400);
    expect((await post({ address: "0x1234", chainId: 31337 })).status).toBe(400);
    const notJson = await post("{");
    expect(notJson.status).toBe(400);
  });

  it("answers 400 for the zero address, and mints nothing", async () => {
    const res = await post({ address: zeroAddress, chainId: 31337 });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: "invalid_request", message: /zero address/ });
    expect((await balancesOf(zeroAddress)).usdc).toBe(0n);
  });

  it("refuses cross-site requests (403), and mints nothing", async () => {
    const address = freshAddress();
    const form = `{"address":"${address}","chainId":31337}`;
    // What another site's page can make a browser send without a preflight: a text/plain POST.
    const crossSite = await post(form, { "content-type": "text/plain;charset=UTF-8", "sec-fetch-site": "cross-site", origin: "http://evil.example" });
    expect(crossSite.status).toBe(403);
    expect((await crossSite.json()).error.code).toBe("cross_site");
    const byOrigin = await post({ address, chainId: 31337 }, { origin: "http://evil.example" });
    expect(byOrigin.status).toBe(403);
    expect(await balancesOf(address)).toEqual({ usdc: 0n, eth: 0n });
    // The app's own page (same-origin JSON) is served.
    expect((await post({ address, chainId: 31337 }, { "sec-fetch-site": "same-origin", origin: "http://app.test" })).status).toBe(200);
  });

  it("refuses bodies not sent as application/json (415), and mints nothing", async () => {
    const address = freshAddress();
    const form = `{"address":"${address}","chainId":31337}`;
    const textPlain = await post(form, { "content-type": "text/plain" });
    expect(textPlain.status).toBe(415);
    expect((await textPlain.json()).error.code).toBe("unsupported_media_type");
    expect(await balancesOf(address)).toEqual({ usdc: 0n, eth: 0n });
  });

  it("answers 413 to a body over its limit, and mints nothing", async () => {
    const address = freshAddress();
    const res = await post({ address, chainId: 31337, pad: "x".repeat(10_000) });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("body_too_large");
    expect((await balancesOf(address)).usdc).toBe(0n);
  });

  it(`mints at most ${FAUCET_GLOBAL_MAX} times per window for all addresses together`, async () => {
    const addresses = Array.from({ length: 30 }, freshAddress);
    const responses = await Promise.all(addresses.map((address) => post({ address, chainId: 31337 })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(FAUCET_GLOBAL_MAX);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - FAUCET_GLOBAL_MAX);
    const refused = responses.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await refused.json()).error.code).toBe("faucet_busy");
    const funded = await Promise.all(addresses.map(async (a) => (await balancesOf(a)).usdc > 0n));
    expect(funded.filter(Boolean)).toHaveLength(FAUCET_GLOBAL_MAX);

    // After the window, an address that was refused is funded: the refusal did not use its own slot.
    vi.setSystemTime(Date.now() + FAUCET_GLOBAL_WINDOW_MS);
    const later = addresses[statuses.indexOf(429)]!;
    expect((await post({ address: later, chainId: 31337 })).status).toBe(200);
  });
});

describe("GET /api/faucet", () => {
  it("tells the UI which faucet a network has", async () => {
    const kind = async (chainId: number) =>
      (await (await GET(new Request(`http://app.test/api/faucet?chainId=${chainId}`))).json()).kind;
    expect(await kind(31337)).toBe("local");
    expect(await kind(84532)).toBe("none");
    expect(await kind(8453)).toBe("none");
    vi.stubEnv("CDP_API_KEY_ID", "id");
    vi.stubEnv("CDP_API_KEY_SECRET", "secret");
    expect(await kind(84532)).toBe("cdp");
    vi.stubEnv("CDP_API_KEY_ID", "");
  });
});
