import { createPublicClient, http, parseUnits, type Address } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { getAgent, priceAtomic } from "@/lib/agents/registry";
import { NETWORKS } from "@/lib/chains/networks";
import { DEFAULT_POLICY, type SpendPolicy } from "@/lib/x402/payer/policy";
import { checkSettlement } from "@/lib/x402/payer/receipt-check";
import type { SignedAuthorization } from "@/lib/x402/shared/receipt";
import { createPayingFetch, PaymentStopped, type ApprovalRequest, type ShownPrice } from "@/lib/x402/payer/paying-fetch";
import { readUIChunks } from "../support/ui-stream";
import { MARKET_AGENT, USDC, chatBody, fundedPayer, paidStackFixture, usdcBalance } from "../x402/support";

const stack = paidStackFixture();

const market = () => getAgent(MARKET_AGENT)!;
const shownMarket = (): ShownPrice => ({ network: "eip155:31337", asset: USDC, payTo: market().payTo as Address, amount: priceAtomic(market()) });

/** A paying fetch over a real account, recording what it sent, what it asked and how many signatures it made. */
function harness(account: PrivateKeyAccount | null, opts: { policy?: SpendPolicy; shown?: ShownPrice | null; answer?: boolean } = {}) {
  const sent: Array<Record<string, string>> = [];
  const asked: ApprovalRequest[] = [];
  const paid: bigint[] = [];
  const authorizations: SignedAuthorization[] = [];
  let signatures = 0;
  const signer = account && {
    address: account.address,
    signTypedData: (message: Parameters<PrivateKeyAccount["signTypedData"]>[0]) => {
      signatures += 1;
      return account.signTypedData(message);
    },
  };
  const payingFetch = createPayingFetch({
    network: NETWORKS.local,
    signer: () => signer as never,
    shownPrice: () => (opts.shown === undefined ? shownMarket() : opts.shown),
    policy: () => ({ policy: opts.policy ?? DEFAULT_POLICY, spent: { session: 0n, today: 0n } }),
    approve: async (request) => {
      asked.push(request);
      return opts.answer ?? false;
    },
    usdcBalance: (address) => usdcBalance(stack.anvil.rpcUrl, address),
    chainHead: () => createPublicClient({ transport: http(stack.anvil.rpcUrl) }).getBlockNumber(),
    onPaid: ({ amount, authorization }) => {
      paid.push(amount);
      authorizations.push(authorization);
    },
    baseFetch: (input, init) => {
      sent.push(Object.fromEntries(new Headers(init?.headers).entries()));
      return fetch(input, init);
    },
  });
  const send = () => payingFetch(`${stack.url}/api/x402/${MARKET_AGENT}/chat`, { method: "POST", body: chatBody("What is the current price of ETH?"), headers: { "content-type": "application/json" } });
  return { send, sent, asked, paid, authorizations, signatures: () => signatures };
}

const stopped = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err as PaymentStopped);

describe("the browser's paying fetch", () => {
  it("pays a quote within the policy without asking, once", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const h = harness(payer);
    const res = await h.send();
    expect(res.status).toBe(200);
    expect((await readUIChunks(res)).find((c) => c.type === "data-receipt")?.data).toMatchObject({ success: true });
    expect(h.asked).toEqual([]);
    expect(h.signatures()).toBe(1);
    expect(h.paid).toEqual([priceAtomic(market())]);
    expect(h.sent.map((headers) => "payment-signature" in headers)).toEqual([false, true]);
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before - priceAtomic(market()));
  });

  it("hands the chat the authorization it signed; this app's real receipt passes the on-chain check", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const h = harness(payer);
    const receipt = (await readUIChunks(await h.send())).find((c) => c.type === "data-receipt")?.data as { transaction: string };
    const [auth] = h.authorizations;
    expect(auth).toMatchObject({ chainId: 31337, payer: payer.address, payTo: market().payTo, value: priceAtomic(market()).toString(), fromBlock: expect.stringMatching(/^\d+$/) });
    expect(auth?.nonce).toMatch(/^0x[0-9a-f]{64}$/);
    const chain = createPublicClient({ transport: http(stack.anvil.rpcUrl) });
    expect(await checkSettlement(chain, auth!, receipt.transaction)).toEqual({ ok: true, transaction: receipt.transaction });
  });

  it("asks above the per-message cap; refusing signs and sends nothing", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const h = harness(payer, { policy: { ...DEFAULT_POLICY, maxPerMessage: parseUnits("0.005", 6) }, answer: false });
    const err = await stopped(h.send());
    expect(err?.reason).toBe("policy_refused");
    expect(h.asked).toHaveLength(1);
    expect(h.asked[0]).toMatchObject({ kind: "over-policy", amount: 10_000n });
    expect(h.signatures()).toBe(0);
    expect(h.sent).toHaveLength(1); // only the unpaid request
  });

  it("pays above the cap when the user agrees", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const h = harness(payer, { policy: { ...DEFAULT_POLICY, maxPerMessage: parseUnits("0.005", 6) }, answer: true });
    expect((await h.send()).status).toBe(200);
    expect(h.signatures()).toBe(1);
  });

  it("stops and asks when the 402 differs from the price the user was shown", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const h = harness(payer, { shown: { ...shownMarket(), payTo: "0x000000000000000000000000000000000000dEaD" } });
    const err = await stopped(h.send());
    expect(err?.reason).toBe("quote_changed");
    expect(h.asked[0]?.kind).toBe("quote-changed");
    expect(h.signatures()).toBe(0);
  });

  it("checks the balance first: not enough USDC signs nothing", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl, "0.001");
    const h = harness(payer);
    const err = await stopped(h.send());
    expect(err?.reason).toBe("insufficient_funds");
    expect(err?.message).toContain("0.001 USDC");
    expect(h.signatures()).toBe(0);
  });

  it("says so when the wallet is locked", async () => {
    const err = await stopped(harness(null).send());
    expect(err?.reason).toBe("wallet_locked");
  });

  it("never signs for another network's quote", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const h = harness(payer);
    const onBase = createPayingFetch({
      network: NETWORKS.base,
      signer: () => payer,
      shownPrice: () => null,
      policy: () => ({ policy: DEFAULT_POLICY, spent: { session: 0n, today: 0n } }),
      approve: async () => true,
      usdcBalance: async () => 10n ** 12n,
      onPaid: () => undefined,
    });
    const err = await stopped(onBase(`${stack.url}/api/x402/${MARKET_AGENT}/chat`, { method: "POST", body: chatBody("hi") }));
    expect(err?.reason).toBe("not_payable");
    expect(h.signatures()).toBe(0);
  });
});
