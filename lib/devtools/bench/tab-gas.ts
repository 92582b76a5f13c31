/**
 * Gas of one tab (an x402 batch-settlement channel) over its whole life, on the local chain: the SDK's client
 * scheme signs the deposit and the vouchers, our in-process facilitator (the SDK's batch-settlement facilitator
 * scheme) sends every transaction, and the gas is read off the receipts.
 *
 * What a tab pays for: its deposit and its cooperative refund alone; a claim transaction and a settle are shared by
 * every channel of the claim batch (`claimBatch` tabs of one agent claimed together, as the claimer batches them),
 * so the tab's share of those is gasUsed / claimBatch. Before the tab opens, an earlier tab of the same agent has
 * been claimed and settled once (not counted): an agent that has been paid before, the steady state, where the
 * receiver's totals and its token balance already exist.
 */
import type { x402Facilitator } from "@x402/core/facilitator";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { toClientEvmSigner } from "@x402/evm";
import {
  BatchSettlementEvmScheme,
  InMemoryClientChannelStorage,
  computeChannelId,
  signVoucher,
  updateChannelFromSettle,
} from "@x402/evm/batch-settlement/client";
import { createPublicClient, http, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { NETWORKS } from "../../chains/networks";
import { fundLocalAccount } from "../../devchain/deploy";
import { getLocalFacilitator } from "../../x402/facilitator";

export interface TabGasOptions {
  rpcUrl: string;
  /** Messages paid on the tab; default 100. */
  messages?: number;
  /** Channels per claimWithSignature, all settled by one settle; default 10. */
  claimBatch?: number;
  /** Per-message maximum, in USDC base units; default 1000 (0.001 USDC). */
  price?: bigint;
  /** What each message is charged (at most the price); default 750, a token-priced reply below its maximum. */
  charge?: bigint;
}

export type TabGasStep = "deposit" | "claim" | "settle" | "refund";

export interface TabGasTransaction {
  step: TabGasStep;
  hash: Hex;
  gasUsed: number;
  /** The part of this transaction the tab pays: 1, or 1 / claimBatch for a shared claim or settle. */
  share: number;
}

export interface TabGas {
  messages: number;
  claimBatch: number;
  /** The measured tab's channel, and what its messages were charged in all. */
  channelId: Hex;
  charged: string;
  /** Gas per step, the tab's share (rounded to whole gas). */
  deposit: number;
  claim: number;
  settle: number;
  refund: number;
  total: number;
  perMessage: number;
  transactions: TabGasTransaction[];
}

const SCHEME = "batch-settlement";
const WITHDRAW_DELAY = 900;

export async function measureTabGas(opts: TabGasOptions): Promise<TabGas> {
  const messages = opts.messages ?? 100;
  const claimBatch = opts.claimBatch ?? 10;
  const price = opts.price ?? 1000n;
  const charge = opts.charge ?? 750n;
  if (!Number.isInteger(messages) || messages < 1) throw new Error("messages must be a positive integer");
  if (!Number.isInteger(claimBatch) || claimBatch < 1) throw new Error("claimBatch must be a positive integer");
  if (charge > price) throw new Error("a message is never charged above its price");

  const network = NETWORKS.local.caip2;
  const chain = createPublicClient({ chain: foundry, transport: http(opts.rpcUrl), pollingInterval: 50 });
  const facilitator = getLocalFacilitator();
  const receiverAuthorizer = receiverAuthorizerOf(facilitator, network);
  const payee = privateKeyToAccount(generatePrivateKey()).address;
  const requirements: PaymentRequirements = {
    scheme: SCHEME,
    network,
    amount: price.toString(),
    asset: NETWORKS.local.usdc.address,
    payTo: payee,
    maxTimeoutSeconds: 3600,
    extra: {
      receiverAuthorizer,
      withdrawDelay: WITHDRAW_DELAY,
      name: NETWORKS.local.usdc.eip712Name,
      version: NETWORKS.local.usdc.eip712Version,
    },
  };
  const envelope = (payload: Record<string, unknown>): PaymentPayload => ({ x402Version: 2, accepted: requirements, payload });
  const settle = async (payload: Record<string, unknown>): Promise<Hex> => {
    const result = await facilitator.settle(envelope(payload), requirements);
    if (!result.success) throw new Error(`${String(payload.type)} failed: ${result.errorReason} ${result.errorMessage ?? ""}`);
    return result.transaction as Hex;
  };
  const gasOf = async (hash: Hex) => Number((await chain.getTransactionReceipt({ hash })).gasUsed);

  /** A payer's tab on the agent: deposit sized for `count` messages, then one voucher per message. */
  const openTab = async (payer: PrivateKeyAccount, count: number) => {
    const storage = new InMemoryClientChannelStorage();
    const signer = toClientEvmSigner(payer, chain);
    // The deposit covers the whole tab, so no top-up interrupts it (the SDK's default is 5 messages' worth).
    const client = new BatchSettlementEvmScheme(signer, { storage, depositPolicy: { depositMultiplier: Math.max(count, 3) } });
    const config = client.buildChannelConfig(requirements);
    const channelId = computeChannelId(config, network);
    let depositTx: Hex | undefined;
    let voucher = { maxClaimableAmount: "0", signature: "0x" as Hex };
    for (let i = 0; i < count; i++) {
      const { payload } = await client.createPaymentPayload(2, requirements);
      const verdict = await facilitator.verify(envelope(payload), requirements);
      if (!verdict.isValid) throw new Error(`voucher ${i + 1} refused: ${verdict.invalidReason}`);
      let depositAmount: string | undefined;
      if (payload.type === "deposit") {
        if (depositTx) throw new Error("the tab needed a second deposit");
        depositTx = await settle(payload);
        depositAmount = (payload.deposit as { amount: string }).amount;
      }
      voucher = payload.voucher as typeof voucher;
      await updateChannelFromSettle(storage, {
        server: { chargedAmount: charge.toString() },
        local: { channelId, requestAmount: price.toString(), depositAmount },
      });
    }
    if (!depositTx) throw new Error("the tab made no deposit");
    const charged = charge * BigInt(count);
    const claim = { voucher: { channel: config, maxClaimableAmount: voucher.maxClaimableAmount }, signature: voucher.signature, totalClaimed: charged.toString() };
    return { payer, signer, config, channelId, depositTx, charged, claim };
  };
  const payer = async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    // The payer keeps more than it deposits, as a wallet does: the refund then credits a balance that exists.
    await fundLocalAccount(opts.rpcUrl, account.address, { usdc: price * BigInt(messages) * 2n, eth: 0n });
    return account;
  };

  // An agent that has been paid before (not counted): one earlier tab claimed and settled.
  const earlier = await openTab(await payer(), 1);
  await settle({ type: "claim", claims: [earlier.claim] });
  await settle({ type: "settle", receiver: payee, token: requirements.asset });

  // The tabs claimed beside ours (their deposits are theirs), then ours.
  const others = [];
  for (let i = 1; i < claimBatch; i++) others.push(await openTab(await payer(), 1));
  const tab = await openTab(await payer(), messages);

  const claimTx = await settle({ type: "claim", claims: [tab.claim, ...others.map((other) => other.claim)] });
  const settleTx = await settle({ type: "settle", receiver: payee, token: requirements.asset });

  // Cooperative refund of the rest, on the client's zero-charge voucher; everything charged is claimed already.
  const balance = price * BigInt(messages);
  const refundVoucher = await signVoucher(tab.signer, tab.channelId, tab.charged.toString(), network);
  const refundPayload = { type: "refund", channelConfig: tab.config, voucher: refundVoucher, amount: (balance - tab.charged).toString(), refundNonce: "0", claims: [] };
  const refundVerdict = await facilitator.verify(envelope(refundPayload), requirements);
  if (!refundVerdict.isValid) throw new Error(`refund refused: ${refundVerdict.invalidReason}`);
  const refundTx = await settle(refundPayload);

  const share = 1 / claimBatch;
  const transactions: TabGasTransaction[] = [
    { step: "deposit", hash: tab.depositTx, gasUsed: await gasOf(tab.depositTx), share: 1 },
    { step: "claim", hash: claimTx, gasUsed: await gasOf(claimTx), share },
    { step: "settle", hash: settleTx, gasUsed: await gasOf(settleTx), share },
    { step: "refund", hash: refundTx, gasUsed: await gasOf(refundTx), share: 1 },
  ];
  const part = (step: TabGasStep) =>
    Math.round(transactions.filter((t) => t.step === step).reduce((sum, t) => sum + t.gasUsed * t.share, 0));
  const steps = { deposit: part("deposit"), claim: part("claim"), settle: part("settle"), refund: part("refund") };
  const total = steps.deposit + steps.claim + steps.settle + steps.refund;
  return { messages, claimBatch, channelId: tab.channelId, charged: tab.charged.toString(), ...steps, total, perMessage: Math.round(total / messages), transactions };
}

/** The receiver authorizer the facilitator advertises for tabs on `network` (its /supported). */
function receiverAuthorizerOf(facilitator: x402Facilitator, network: string): Address {
  const kind = facilitator.getSupported().kinds.find((k) => k.scheme === SCHEME && k.network === network);
  const authorizer = (kind?.extra as { receiverAuthorizer?: Address } | undefined)?.receiverAuthorizer;
  if (!authorizer) throw new Error(`the facilitator serves no ${SCHEME} on ${network}`);
  return authorizer;
}
