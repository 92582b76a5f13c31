import { encodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequired } from "@x402/core/types";
import { describe, expect, it } from "vitest";
import { NETWORKS } from "@/lib/chains/networks";
import { parseQuote, type NormalizedQuote } from "@/lib/remote-agents/parse-quote";

const PAY_TO = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";
const LOCAL_USDC = NETWORKS.local.usdc.address;
const SEPOLIA_USDC = NETWORKS["base-sepolia"].usdc.address;
const BASE_USDC = NETWORKS.base.usdc.address;
const URL = "https://agent.example/chat";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

function v2(accepts: unknown[], extra: Partial<PaymentRequired> = {}): string {
  return encodePaymentRequiredHeader({
    x402Version: 2,
    error: "payment_required",
    resource: { url: URL, description: "A paid agent", mimeType: "application/json" },
    accepts,
    ...extra,
  } as PaymentRequired);
}

const localOffer = (over: Record<string, unknown> = {}) => ({
  scheme: "exact",
  network: "eip155:31337",
  amount: "10000",
  asset: LOCAL_USDC,
  payTo: PAY_TO,
  maxTimeoutSeconds: 300,
  extra: { name: "USD Coin", version: "2" },
  ...over,
});

const v1Offer = (over: Record<string, unknown> = {}) => ({
  scheme: "exact",
  network: "base-sepolia",
  maxAmountRequired: "50000",
  asset: SEPOLIA_USDC,
  payTo: PAY_TO,
  resource: URL,
  description: "v1 agent",
  mimeType: "application/json",
  maxTimeoutSeconds: 60,
  extra: { name: "USDC", version: "2" },
  ...over,
});

const quote402 = (headers: Record<string, string>, body: unknown = "") =>
  parseQuote({ status: 402, headers, bodyText: typeof body === "string" ? body : JSON.stringify(body) }, { url: URL });

function expectUnpayable(quote: NormalizedQuote, dialect: NormalizedQuote["dialect"], reason: RegExp) {
  expect(quote.dialect).toBe(dialect);
  expect(quote.payable).toBe(false);
  expect(quote.reason).toMatch(reason);
}

describe("x402 v2 PAYMENT-REQUIRED header", () => {
  it("reads a payable local quote with everything a payer needs", () => {
    const header = v2([localOffer()]);
    const quote = quote402({ "PAYMENT-REQUIRED": header }, {});
    expect(quote).toMatchObject({
      dialect: "x402-v2",
      scheme: "exact",
      network: "eip155:31337",
      chainId: 31337,
      asset: LOCAL_USDC,
      amount: { atomic: "10000", display: "0.01 USDC" },
      payTo: PAY_TO,
      resource: URL,
      description: "A paid agent",
      maxTimeoutSeconds: 300,
      extra: { name: "USD Coin", version: "2" },
      payable: true,
      reason: null,
    });
    // The whole PaymentRequired is kept: that is what a v2 payer signs for.
    expect((quote.raw as PaymentRequired).accepts[0]).toMatchObject({ amount: "10000" });
  });

  it("reads the header case-insensitively from a Headers object", () => {
    const quote = parseQuote({ status: 402, headers: new Headers({ "payment-required": v2([localOffer()]) }), bodyText: "" });
    expect(quote.payable).toBe(true);
  });

  it("picks the first offer it can pay and otherwise reports the first", () => {
    const mainnetFirst = quote402({ "PAYMENT-REQUIRED": v2([localOffer({ network: "eip155:1" }), localOffer({ amount: "777" })]) });
    expect(mainnetFirst.payable).toBe(true);
    expect(mainnetFirst.amount?.atomic).toBe("777");

    const noneOk = quote402({ "PAYMENT-REQUIRED": v2([localOffer({ scheme: "upto" }), localOffer({ network: "eip155:1" })]) });
    expectUnpayable(noneOk, "x402-v2", /^scheme upto is not supported/);
  });

  it("says why for bad base64, bad JSON and a non-object", () => {
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": "%%% not base64 %%%" }), "x402-v2", /PAYMENT-REQUIRED header is not base64/);
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": b64("{not json") }), "x402-v2", /PAYMENT-REQUIRED header does not hold JSON/);
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": b64("[1,2]") }), "x402-v2", /not a JSON object/);
  });

  it("falls back to a readable body when the header is broken", () => {
    const quote = quote402({ "PAYMENT-REQUIRED": "@@@" }, { x402Version: 1, error: "pay", accepts: [v1Offer()] });
    expect(quote.dialect).toBe("x402-v1");
    expect(quote.payable).toBe(true);
  });

  it("refuses missing or empty accepts and an unknown version", () => {
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": b64(JSON.stringify({ x402Version: 2, resource: { url: URL } })) }), "x402-v2", /accepts is missing or empty/);
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": v2([]) }), "x402-v2", /accepts is missing or empty/);
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": b64(JSON.stringify({ x402Version: 3, accepts: [localOffer()] })) }), "x402-v2", /x402Version 3 is not one we speak/);
  });

  it("refuses a network we have no wallet for, naming it", () => {
    const quote = quote402({ "PAYMENT-REQUIRED": v2([localOffer({ network: "eip155:1" })]) });
    expectUnpayable(quote, "x402-v2", /^network eip155:1 is not one we have a wallet for$/);
    expect(quote.network).toBe("eip155:1");
    expect(quote.chainId).toBe(1);
    const solana = quote402({ "PAYMENT-REQUIRED": v2([localOffer({ network: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp" })]) });
    expectUnpayable(solana, "x402-v2", /network solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp is not one we have/);
    expect(solana.chainId).toBeNull();
  });

  it("refuses an asset that is not the network's USDC, and shows raw units", () => {
    const dai = "0x50c5725949A6F0c72E6C4a641F24049A917DB0Cb";
    const quote = quote402({ "PAYMENT-REQUIRED": v2([localOffer({ network: "eip155:8453", asset: dai })]) });
    expectUnpayable(quote, "x402-v2", new RegExp(`^asset ${dai} is not USDC on Base$`));
    expect(quote.amount?.display).toBe(`10000 atomic units of ${dai}`);
    // Base Sepolia's USDC is not Base's.
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": v2([localOffer({ network: "eip155:8453", asset: SEPOLIA_USDC })]) }), "x402-v2", /is not USDC on Base$/);
  });

  it("refuses scheme upto and a missing scheme", () => {
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": v2([localOffer({ scheme: "upto" })]) }), "x402-v2", /^scheme upto is not supported \(only exact\)$/);
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": v2([localOffer({ scheme: undefined })]) }), "x402-v2", /names no scheme/);
  });

  it("refuses bad amounts and payees without throwing", () => {
    for (const amount of ["-5", "1.5", "0x10", "", "1e6", "9".repeat(100), String(2n ** 256n), null, true, { n: 1 }, 1.5, -1]) {
      const quote = quote402({ "PAYMENT-REQUIRED": v2([localOffer({ amount })]) });
      expectUnpayable(quote, "x402-v2", /^amount .* is not a whole number of atomic units$/);
      expect(quote.amount).toBeNull();
    }
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": v2([localOffer({ amount: "0" })]) }), "x402-v2", /^amount is zero$/);
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": v2([localOffer({ payTo: "0x1234" })]) }), "x402-v2", /^payTo "0x1234" is not an address$/);
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": v2([localOffer({ payTo: 42 })]) }), "x402-v2", /^payTo null is not an address$/);
    // The largest uint256 is still an amount (the policy, not the parser, refuses it).
    expect(quote402({ "PAYMENT-REQUIRED": v2([localOffer({ amount: String(2n ** 256n - 1n) })]) }).payable).toBe(true);
  });

  it("survives offers of the wrong type and keeps attacker text short", () => {
    expectUnpayable(quote402({ "PAYMENT-REQUIRED": v2(["nope"]) }), "x402-v2", /offer is not an object/);
    const long = quote402({ "PAYMENT-REQUIRED": v2([localOffer({ scheme: "x".repeat(10_000) })]) });
    expect(long.reason!.length).toBeLessThan(120);
  });
});

describe("x402 v1 body", () => {
  it("reads a payable Base Sepolia quote by its v1 name", () => {
    const quote = quote402({}, { x402Version: 1, error: "X-PAYMENT header is required", accepts: [v1Offer()] });
    expect(quote).toMatchObject({
      dialect: "x402-v1",
      scheme: "exact",
      network: "eip155:84532",
      chainId: 84532,
      asset: SEPOLIA_USDC,
      amount: { atomic: "50000", display: "0.05 USDC" },
      payTo: PAY_TO,
      resource: URL,
      description: "v1 agent",
      maxTimeoutSeconds: 60,
      extra: { name: "USDC", version: "2" },
      payable: true,
      reason: null,
    });
    expect(quote.raw).toMatchObject({ maxAmountRequired: "50000" });
  });

  it("reads a CAIP-2 local network (our own v1-style body)", () => {
    const quote = quote402({}, { x402Version: 1, accepts: [v1Offer({ network: "eip155:31337", asset: LOCAL_USDC, maxAmountRequired: "20000" })] });
    expect(quote).toMatchObject({ dialect: "x402-v1", network: "eip155:31337", chainId: 31337, payable: true });
    expect(quote.amount?.display).toBe("0.02 USDC");
  });

  it("reads Base mainnet", () => {
    const quote = quote402({}, { x402Version: 1, accepts: [v1Offer({ network: "base", asset: BASE_USDC.toLowerCase() })] });
    expect(quote).toMatchObject({ network: "eip155:8453", payable: true });
  });

  it("refuses a bad maxAmountRequired, an unknown v1 network and wrong-typed fields", () => {
    expectUnpayable(quote402({}, { x402Version: 1, accepts: [v1Offer({ maxAmountRequired: "-1" })] }), "x402-v1", /^maxAmountRequired "-1" is not a whole number/);
    expectUnpayable(quote402({}, { x402Version: 1, accepts: [v1Offer({ maxAmountRequired: "lots" })] }), "x402-v1", /maxAmountRequired "lots"/);
    expectUnpayable(quote402({}, { x402Version: 1, accepts: [v1Offer({ maxAmountRequired: undefined })] }), "x402-v1", /maxAmountRequired \(missing\)/);
    const polygon = quote402({}, { x402Version: 1, accepts: [v1Offer({ network: "polygon" })] });
    expectUnpayable(polygon, "x402-v1", /^network polygon is not one we have a wallet for$/);
    expect(polygon.network).toBeNull();
    const typed = quote402({}, { x402Version: 1, accepts: [{ scheme: 7, network: [], maxAmountRequired: {}, asset: false, payTo: 1 }] });
    expectUnpayable(typed, "x402-v1", /names no scheme/);
    expectUnpayable(quote402({}, { x402Version: 1, accepts: "all of them" }), "x402-v1", /accepts is missing or empty/);
  });

  it("reads x402Version 2 delivered in the body as v2", () => {
    const quote = quote402({}, { x402Version: 2, resource: { url: URL }, accepts: [localOffer()] });
    expect(quote).toMatchObject({ dialect: "x402-v2", payable: true });
  });
});

describe("402 shapes that are not x402", () => {
  it("a payment object: decimal amount in its currency, paid by hand", () => {
    const quote = quote402({}, { error: "Payment required", payment: { amount: "0.05", currency: "USDC", network: "base-sepolia", receiver: PAY_TO } });
    expect(quote).toMatchObject({
      dialect: "payment-object",
      network: "eip155:84532",
      chainId: 84532,
      asset: SEPOLIA_USDC,
      amount: { atomic: "50000", display: "0.05 USDC" },
      payTo: PAY_TO,
      payable: false,
      reason: "not x402: a payment object, pay it by hand",
    });
  });

  it("a payment object with eip155:N, a number amount, and a currency it cannot price", () => {
    expect(quote402({}, { payment: { amount: 0.25, currency: "usdc", network: "eip155:8453", receiver: PAY_TO } })).toMatchObject({
      network: "eip155:8453",
      amount: { atomic: "250000" },
    });
    const eth = quote402({}, { payment: { amount: "0.01", currency: "ETH", network: "base", receiver: PAY_TO } });
    expectUnpayable(eth, "payment-object", /its price "0.01" ETH is not one we can read/);
    expect(eth.amount).toBeNull();
    expectUnpayable(quote402({}, { payment: { amount: "-3", currency: "USDC" } }), "payment-object", /"-3" USDC is not one we can read/);
    expectUnpayable(quote402({}, { payment: { amount: "0.0000001", currency: "USDC" } }), "payment-object", /not one we can read/);
  });

  it("payment_requirements under either key, or at the top level, in atomic units: paid by transfer", () => {
    const req = { scheme: "exact", network: "base", payTo: PAY_TO, maxAmountRequired: "1000000", asset: BASE_USDC, description: "1 USDC" };
    for (const body of [{ payment_requirements: req }, { paymentRequirements: [req] }, { error: "pay", ...req }]) {
      const quote = quote402({}, body);
      expect(quote).toMatchObject({
        dialect: "payment-requirements",
        scheme: "exact",
        network: "eip155:8453",
        amount: { atomic: "1000000", display: "1 USDC" },
        payTo: PAY_TO,
        description: "1 USDC",
        payable: true,
        payBy: "transfer",
        reason: null,
      });
    }
    expectUnpayable(quote402({}, { payment_requirements: { ...req, maxAmountRequired: "1.5" } }), "payment-requirements", /maxAmountRequired "1.5" is not a whole number/);
  });

  // Atelier's 402, as its founding document shows it.
  const atelier = (over: Record<string, unknown> = {}) => ({
    version: "1",
    scheme: "exact",
    network: "base-mainnet",
    asset: { currency: "USDC", address: BASE_USDC },
    payTo: PAY_TO,
    maxAmountRequired: "10000",
    description: "Logo design brief",
    resource: "https://atelier.example/api/x402/pay?service_id=logo",
    ...over,
  });

  it("Atelier's Base form, bare or in payment_requirements: base-mainnet is Base, the asset object's address is read", () => {
    for (const body of [atelier(), { payment_requirements: atelier() }]) {
      const quote = quote402({}, body);
      expect(quote).toMatchObject({
        dialect: "payment-requirements",
        network: "eip155:8453",
        chainId: 8453,
        asset: BASE_USDC,
        amount: { atomic: "10000", display: "0.01 USDC" },
        payTo: PAY_TO,
        resource: "https://atelier.example/api/x402/pay?service_id=logo",
        description: "Logo design brief",
        payable: true,
        payBy: "transfer",
        reason: null,
      });
    }
    expect(quote402({}, { payment_requirements: { ...atelier(), network: "base-sepolia", asset: { currency: "USDC", address: SEPOLIA_USDC } } })).toMatchObject({
      network: "eip155:84532",
      chainId: 84532,
      payable: true,
    });
    // The local chain's test double names its network by CAIP-2.
    expect(quote402({}, { ...atelier(), network: "eip155:31337", asset: { currency: "USDC", address: LOCAL_USDC } })).toMatchObject({
      network: "eip155:31337",
      chainId: 31337,
      asset: LOCAL_USDC,
      payable: true,
      payBy: "transfer",
    });
  });

  it("Atelier's quotes that cannot be paid say why", () => {
    const solana = quote402({}, {
      payment_requirements: { ...atelier(), network: "solana-mainnet", asset: { currency: "USDC", address: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v" }, payTo: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin" },
    });
    expectUnpayable(solana, "payment-requirements", /^Solana is not supported yet/);
    expect(solana).toMatchObject({ chainId: null, amount: { atomic: "10000" } });
    expect(solana.payBy).toBeUndefined();
    expectUnpayable(quote402({}, { ...atelier(), asset: { currency: "USDC", address: LOCAL_USDC } }), "payment-requirements", /is not USDC on Base/);
    expectUnpayable(quote402({}, { ...atelier(), scheme: "upto" }), "payment-requirements", /scheme upto is not supported/);
    expectUnpayable(quote402({}, { ...atelier(), payTo: "someone" }), "payment-requirements", /payTo "someone" is not an address/);
    expectUnpayable(quote402({}, { ...atelier(), maxAmountRequired: "0" }), "payment-requirements", /maxAmountRequired is zero/);
    expectUnpayable(quote402({}, { ...atelier(), network: "polygon" }), "payment-requirements", /network polygon is not one we have a wallet for/);
  });

  it("price headers", () => {
    const quote = quote402({ "X-Price": "$0.01", "X-Currency": "USDC", "X-Network": "base-sepolia", "X-Recipient": PAY_TO });
    expect(quote).toMatchObject({
      dialect: "price-headers",
      network: "eip155:84532",
      amount: { atomic: "10000", display: "0.01 USDC" },
      payTo: PAY_TO,
      payable: false,
      reason: "not x402: price headers, pay it by hand",
    });
    expectUnpayable(quote402({ "x-price": "free?" }), "price-headers", /its price "free\?" USDC is not one we can read/);
  });
});

describe("no quote", () => {
  it("a 200 is free or not an x402 agent", () => {
    const quote = parseQuote({ status: 200, headers: { "PAYMENT-REQUIRED": v2([localOffer()]) }, bodyText: "{}" }, { url: URL });
    expect(quote).toMatchObject({ dialect: "none", payable: false, amount: null, resource: URL });
    expect(quote.reason).toBe("the URL answered 200, not 402: it is free or not an x402 agent");
  });

  it("an empty 402, garbage and wrong JSON types", () => {
    const bodies = ["", "   ", "<html>pay me</html>", "null", "42", '"402"', "[]", "{", "\u0000\uffff", '{"payment":"lots"}', '{"x402Version":1}'];
    for (const bodyText of bodies) {
      const quote = parseQuote({ status: 402, headers: {}, bodyText });
      expect(quote.dialect).toBe("none");
      expect(quote.payable).toBe(false);
      expect(quote.reason).toBe("the URL answered 402 without a payment quote we can read");
    }
  });

  it("never throws on random input", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    const values = [null, 0, -1, 1e308, "", "x", "0x", [], {}, true, "eip155:31337", LOCAL_USDC, "9".repeat(90)];
    const fields = ["x402Version", "accepts", "scheme", "network", "amount", "maxAmountRequired", "asset", "payTo", "payment", "payment_requirements"];
    for (let i = 0; i < 2_000; i++) {
      const obj = Object.fromEntries(fields.filter(() => random() < 0.5).map((f) => [f, pick([...values, [Object.fromEntries(fields.map((g) => [g, pick(values)]))]])]));
      const headers: Record<string, string> = random() < 0.3 ? { "PAYMENT-REQUIRED": pick([b64(JSON.stringify(obj)), "!!", b64("x")]) } : random() < 0.2 ? { "X-Price": String(pick(values)) } : {};
      const quote = parseQuote({ status: pick([402, 402, 200, 500]), headers, bodyText: JSON.stringify(obj) });
      expect(typeof quote.payable).toBe("boolean");
      if (!quote.payable) expect(quote.reason).toEqual(expect.any(String));
    }
  });
});
