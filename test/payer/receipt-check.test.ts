/**
 * The browser's on-chain check of an agent's receipt, against a real anvil with the real LocalUSDC: only the
 * settlement of the authorization the client signed, for exactly what it signed, counts as paid.
 */
import { authorizationTypes } from "@x402/evm";
import { createPublicClient, createTestClient, createWalletClient, custom, http, parseAbi, toHex, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { beforeAll, describe, expect, it } from "vitest";
import { POST as relayRoute } from "@/app/api/rpc/[chainId]/route";
import { NETWORKS } from "@/lib/chains/networks";
import { addPayment, readPayments, type PaymentRecord } from "@/lib/browser/history/payments";
import { resolveOpenPayments } from "@/lib/browser/history/resolve";
import { checkSettlement, confirmPayment, resolveAuthorization } from "@/lib/x402/payer/receipt-check";
import { verifyReceipts, type PaidMessage } from "@/lib/x402/payer/receipt-stream";
import type { Receipt, SignedAuthorization } from "@/lib/x402/shared/receipt";
import { fundLocalAccount } from "@/lib/devchain";
import { testChainFixture } from "../support/fixtures";
import { readUIChunks } from "../support/ui-stream";

const USDC = NETWORKS.local.usdc.address;
const PAY_TO = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f" as Address; // anvil #8
const OTHER_PAY_TO = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720" as Address; // anvil #9
// anvil #5 submits settlements, as a facilitator would.
const relayer = privateKeyToAccount("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");
const transferAbi = parseAbi([
  "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature)",
]);
const FAKE_TX = `0x${"dead".repeat(16)}`;

const anvil = testChainFixture();
/** The checks read the chain as the browser does: through the app's read-only relay, /api/rpc/31337. */
let chain: ReturnType<typeof createPublicClient>;
/** Direct, for what the test itself does (sign, settle, wait). */
let direct: ReturnType<typeof createPublicClient>;
let payer: PrivateKeyAccount;

beforeAll(async () => {
  direct = createPublicClient({ transport: http(anvil.rpcUrl), pollingInterval: 100 });
  chain = createPublicClient({ transport: custom({ request: viaRelay }) });
  payer = privateKeyToAccount(generatePrivateKey());
  await fundLocalAccount(anvil.rpcUrl, payer.address, { usdc: 10_000000n, eth: 0n });
});

let relayIds = 0;
async function viaRelay({ method, params }: { method: string; params?: unknown }): Promise<unknown> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: ++relayIds, method, params: params ?? [] });
  const res = await relayRoute(new Request("http://app.test/api/rpc/31337", { method: "POST", body, headers: { "content-type": "application/json" } }), {
    params: Promise.resolve({ chainId: "31337" }),
  });
  const answer = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
  if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return answer.result;
}

/** An authorization signed by the payer, as the x402 client signs one, with the chain head read before. */
async function sign(over: { value?: bigint; to?: Address; validBefore?: bigint } = {}): Promise<{ auth: SignedAuthorization; signature: Hex }> {
  const now = (await direct.getBlock()).timestamp;
  const message = {
    from: payer.address,
    to: over.to ?? PAY_TO,
    value: over.value ?? 10_000n,
    validAfter: 0n,
    validBefore: over.validBefore ?? now + 300n,
    nonce: toHex(crypto.getRandomValues(new Uint8Array(32))),
  };
  const signature = await payer.signTypedData({
    domain: { name: "USD Coin", version: "2", chainId: 31337, verifyingContract: USDC },
    types: authorizationTypes,
    primaryType: "TransferWithAuthorization",
    message,
  });
  const auth: SignedAuthorization = {
    chainId: 31337,
    asset: USDC,
    payer: payer.address,
    payTo: message.to,
    value: message.value.toString(),
    nonce: message.nonce,
    validBefore: message.validBefore.toString(),
    fromBlock: (await direct.getBlockNumber({ cacheTime: 0 })).toString(),
  };
  return { auth, signature };
}

/** Submits the authorization (gas given, so a reverting one is mined too); resolves with the mined receipt. */
async function settle({ auth, signature }: { auth: SignedAuthorization; signature: Hex }) {
  const wallet = createWalletClient({ account: relayer, transport: http(anvil.rpcUrl) });
  const hash = await wallet.writeContract({
    chain: null,
    address: USDC,
    abi: transferAbi,
    functionName: "transferWithAuthorization",
    args: [auth.payer as Address, auth.payTo as Address, BigInt(auth.value), 0n, BigInt(auth.validBefore), auth.nonce as Hex, signature],
    gas: 200_000n,
  });
  return direct.waitForTransactionReceipt({ hash });
}

describe("checking an agent's receipt on chain", () => {
  let paid: { auth: SignedAuthorization; signature: Hex };
  let tx: Hex;
  beforeAll(async () => {
    paid = await sign();
    tx = (await settle(paid)).transactionHash;
  });

  it("accepts the real settlement of the signed authorization", async () => {
    expect(await checkSettlement(chain, paid.auth, tx)).toEqual({ ok: true, transaction: tx });
  });

  it("refuses a made-up hash, and no hash", async () => {
    expect(await checkSettlement(chain, paid.auth, FAKE_TX)).toMatchObject({ ok: false, reason: expect.stringContaining("not on chain") });
    expect(await checkSettlement(chain, paid.auth, "0xdead")).toMatchObject({ ok: false });
    expect(await checkSettlement(chain, paid.auth, undefined)).toMatchObject({ ok: false });
  });

  it("refuses a real settlement of another nonce (same payer, amount and payee)", async () => {
    const unsettled = await sign();
    expect(await checkSettlement(chain, unsettled.auth, tx)).toMatchObject({ ok: false, reason: expect.stringContaining("did not use this payment's authorization") });
  });

  it("refuses a transaction that moved another amount or paid another payee than signed", async () => {
    const other = await sign({ value: 20_000n, to: OTHER_PAY_TO });
    const otherTx = (await settle(other)).transactionHash;
    // The nonce matches, the money does not: the amount and payee are what this client signed, nothing else.
    expect(await checkSettlement(chain, { ...other.auth, value: "10000" }, otherTx)).toMatchObject({ ok: false, reason: expect.stringContaining("signed amount") });
    expect(await checkSettlement(chain, { ...other.auth, payTo: PAY_TO }, otherTx)).toMatchObject({ ok: false, reason: expect.stringContaining("signed payee") });
    expect(await checkSettlement(chain, paid.auth, otherTx)).toMatchObject({ ok: false });
  });

  it("refuses a reverted transaction", async () => {
    const replay = await settle(paid); // the nonce is used: the token reverts
    expect(replay.status).toBe("reverted");
    expect(await checkSettlement(chain, paid.auth, replay.transactionHash)).toMatchObject({ ok: false, reason: expect.stringContaining("reverted") });
  });

  it("finds the real settlement when the agent names a made-up hash", async () => {
    expect(await confirmPayment(chain, paid.auth, FAKE_TX)).toEqual({ ok: true, transaction: tx });
    const unsettled = await sign();
    expect(await confirmPayment(chain, unsettled.auth, FAKE_TX)).toMatchObject({ ok: false });
  });
});

describe("resolving a payment later from the chain", () => {
  it("stays open while unused and valid, then settles with the real transaction, searching in 1,000-block windows", async () => {
    const signed = await sign();
    expect(await resolveAuthorization(chain, signed.auth)).toMatchObject({ state: "open" });
    const test = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
    await test.mine({ blocks: 1_200 });
    const tx = (await settle(signed)).transactionHash;
    // The relay refuses eth_getLogs over more than 1,000 blocks: the search goes window by window, and resumes.
    const partial = await resolveAuthorization(chain, signed.auth, { maxWindows: 1 });
    expect(partial).toMatchObject({ state: "open", scannedTo: (BigInt(signed.auth.fromBlock!) + 999n).toString() });
    const scannedTo = (partial as { scannedTo: string }).scannedTo;
    expect(await resolveAuthorization(chain, signed.auth, { scannedTo })).toEqual({ state: "settled", transaction: tx });
  });

  it("ends as expired once validBefore passed unused", async () => {
    const now = (await direct.getBlock()).timestamp;
    const signed = await sign({ validBefore: now + 60n });
    expect(await resolveAuthorization(chain, signed.auth)).toMatchObject({ state: "open" });
    const test = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
    await test.increaseTime({ seconds: 120 });
    await test.mine({ blocks: 1 });
    expect(await resolveAuthorization(chain, signed.auth)).toEqual({ state: "expired" });
  });

  it("updates unconfirmed history records: settled with the real transaction, or failed once expired", async () => {
    const items = new Map<string, string>();
    const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
    const record = (auth: SignedAuthorization): PaymentRecord => ({
      id: auth.nonce,
      time: new Date().toISOString(),
      conversationId: "c1",
      agentId: "http://agent.test/chat",
      agentName: "agent.test",
      amount: auth.value,
      chainId: 31337,
      network: "eip155:31337",
      transaction: "",
      status: "unconfirmed",
      claimedTransaction: FAKE_TX,
      authorization: auth,
    });
    const now = (await direct.getBlock()).timestamp;
    const settled = await sign();
    const expiring = await sign({ validBefore: now + 60n });
    const open = await sign({ validBefore: now + 3_600n });
    for (const s of [settled, expiring, open]) addPayment(storage, record(s.auth));
    const tx = (await settle(settled)).transactionHash;
    const test = createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) });
    await test.increaseTime({ seconds: 120 });
    await test.mine({ blocks: 1 });

    expect(await resolveOpenPayments(storage, 31337, chain)).toBe(2);
    const byNonce = new Map(readPayments(storage, 31337).map((r) => [r.id, r]));
    expect(byNonce.get(settled.auth.nonce)).toMatchObject({ status: "settled", transaction: tx, resolved: true });
    expect(byNonce.get(expiring.auth.nonce)).toMatchObject({ status: "failed", resolved: true });
    expect(byNonce.get(open.auth.nonce)).toMatchObject({ status: "unconfirmed" });
    expect(await resolveOpenPayments(storage, 31337, chain)).toBe(0);
  });
});

describe("the chat's receipt, rewritten from the chain", () => {
  const stream = (chunks: object[]) =>
    new Response(chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("") + "data: [DONE]\n\n", { headers: { "content-type": "text/event-stream" } });
  const reply = (receipt?: object) => [
    { type: "start" },
    { type: "text-start", id: "t" },
    { type: "text-delta", id: "t", delta: "hi" },
    { type: "text-end", id: "t" },
    ...(receipt ? [{ type: "data-receipt", data: receipt }] : []),
    { type: "finish" },
  ];
  const receiptsOf = async (res: Response) => (await readUIChunks(res)).filter((c) => c.type === "data-receipt").map((c) => c.data as Receipt);
  const confirm = (auth: SignedAuthorization, claimed: string | undefined) => confirmPayment(chain, auth, claimed);
  const paidFor = (auth: SignedAuthorization): PaidMessage => ({ amount: BigInt(auth.value), payTo: auth.payTo, asset: auth.asset, authorization: auth });

  it("shows a made-up receipt as unconfirmed, with the amount signed", async () => {
    const { auth } = await sign();
    const fake = { success: true, transaction: FAKE_TX, amount: "0", amountDisplay: "0 USDC", payer: payer.address, payTo: PAY_TO };
    const [receipt, ...more] = await receiptsOf(verifyReceipts(stream(reply(fake)), paidFor(auth), NETWORKS.local, confirm));
    expect(more).toEqual([]);
    expect(receipt).toMatchObject({ success: false, unconfirmed: true, amount: "10000", amountDisplay: "0.01 USDC", transaction: "", claimedTransaction: FAKE_TX });
  });

  it("keeps a real receipt as paid, adds an unconfirmed one when a paid reply has none, drops one for an unpaid reply", async () => {
    const signed = await sign();
    const tx = (await settle(signed)).transactionHash;
    const [real] = await receiptsOf(verifyReceipts(stream(reply({ success: true, transaction: tx })), paidFor(signed.auth), NETWORKS.local, confirm));
    expect(real).toMatchObject({ success: true, transaction: tx, amountDisplay: "0.01 USDC" });
    expect(real?.unconfirmed).toBeUndefined();

    const { auth } = await sign();
    expect(await receiptsOf(verifyReceipts(stream(reply()), paidFor(auth), NETWORKS.local, confirm))).toMatchObject([{ success: false, unconfirmed: true }]);
    expect(await receiptsOf(verifyReceipts(stream(reply({ success: true, transaction: tx })), null, NETWORKS.local, confirm))).toEqual([]);
  });
});
