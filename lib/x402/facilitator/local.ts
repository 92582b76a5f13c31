import "server-only";
import { InMemoryPendingSettlementStore, x402Facilitator } from "@x402/core/facilitator";
import type { FacilitatorContext, PaymentPayload, PaymentRequirements, SchemeNetworkFacilitator, SettleResponse, VerifyResponse } from "@x402/core/types";
import { eip3009ABI, isEIP3009Payload, resolveDataSuffix, toFacilitatorEvmSigner, type ExactEIP3009Payload, type FacilitatorEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme } from "@x402/evm/batch-settlement/facilitator";
import { ExactEvmScheme } from "@x402/evm/exact/facilitator";
import { ExactEvmSchemeV1 } from "@x402/evm/exact/v1/facilitator";
import { createWalletClient, getAddress, http, parseSignature, publicActions, verifyTypedData, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { NETWORKS, viemChainOf, type Caip2, type Network } from "@/lib/chains/networks";
import { rpcUrlOf } from "@/lib/chains/rpc";
import { describeError } from "@/lib/errors";
import { env } from "@/lib/env";
import { BatchCallFailed, SettlementBatcher } from "@/lib/x402/settlement/batch";
import { defaultSendLock, FacilitatorSender, type CrossProcessLock } from "./sender";

/**
 * Our own facilitator, on the official SDK: verifies EIP-3009 authorizations
 * and settles them by sending `transferWithAuthorization` from its key.
 *
 * It serves the local chain always (with anvil's account #1 unless
 * FACILITATOR_PRIVATE_KEY is set) and Base Sepolia / Base only when
 * FACILITATOR_PRIVATE_KEY is set, since there the key pays real gas.
 */

/** anvil's well-known account #1: holds 10,000 ETH on every fresh local chain. */
const ANVIL_FACILITATOR_KEY: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/** Receipt waits are bounded so a stuck chain reports `settlement_pending` instead of hanging the request. */
const CONFIRMATION_TIMEOUT_MS = 30_000;

export function facilitatorNetworks(): Network[] {
  return env.FACILITATOR_PRIVATE_KEY
    ? [NETWORKS.local, NETWORKS["base-sepolia"], NETWORKS.base]
    : [NETWORKS.local];
}

function facilitatorKey(): Hex {
  return env.FACILITATOR_PRIVATE_KEY ?? ANVIL_FACILITATOR_KEY;
}

/** The facilitator could not reach a chain's RPC: an outage, not a verdict on the payment. */
export class ChainUnreachableError extends Error {
  constructor(network: string, cause: unknown) {
    // One line: viem's full message names the RPC URL, which may carry a provider key.
    super(`the facilitator cannot reach the ${network} RPC: ${describeError(cause)}`, { cause });
    this.name = "ChainUnreachableError";
  }
}

/**
 * Verification asks for the code at the payer and at the asset on every payment. Token contracts do not
 * vanish and an account gains code rarely (EIP-7702); a few seconds of memory saves two round trips per
 * payment, and the transferWithAuthorization simulation that follows stays the final word.
 */
const CODE_TTL_MS = 5_000;
class CodeCache {
  private entries = new Map<string, { at: number; code: Promise<Hex | undefined> }>();
  get(client: { getCode(args: { address: Hex }): Promise<Hex | undefined>; chain?: { id: number } }, address: Hex) {
    const key = `${client.chain?.id}:${address.toLowerCase()}`;
    const hit = this.entries.get(key);
    if (hit && performance.now() - hit.at < CODE_TTL_MS) return hit.code;
    const code = client.getCode({ address });
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(key, { at: performance.now(), code });
    code.catch(() => this.entries.delete(key)); // an RPC failure is not remembered
    return code;
  }
}
const codeCache = new CodeCache();

type ReadClient = { readContract(args: never): Promise<unknown>; getCode(args: { address: Hex }): Promise<Hex | undefined>; chain?: { id: number } };

/**
 * The SDK's verification of an EIP-3009 payload reads the chain one call after another, with the signature's ECDSA
 * recovery between them: the payer's code, the asset's code, then the transferWithAuthorization simulation. All three
 * are known from the payload, so they are started together when verification starts (one JSON-RPC batch, beside
 * the recovery) and the SDK's own calls are answered from them. The SDK still makes every check on their results.
 */
class ReadsAhead {
  private readonly calls = new Map<string, Promise<unknown>>();
  constructor(private readonly client: ReadClient) {}

  readContract(args: Parameters<FacilitatorEvmSigner["readContract"]>[0]): Promise<unknown> {
    const key = callKey(args);
    const ahead = this.calls.get(key);
    if (!ahead) return this.client.readContract(args as never);
    this.calls.delete(key);
    return ahead;
  }

  async around<T>(payload: PaymentPayload, requirements: PaymentRequirements, verify: () => Promise<T>): Promise<T> {
    const signed = ecdsaAuthorization(payload);
    if (!signed || requirements.scheme !== "exact" || !/^0x[0-9a-fA-F]{40}$/.test(requirements.asset)) return verify();
    const { authorization: a, signature } = signed;
    const asset = getAddress(requirements.asset);
    // Into the code cache, where the SDK's getCode finds them; a failure is not remembered (CodeCache).
    codeCache.get(this.client, a.from as Hex);
    codeCache.get(this.client, asset);
    const { r, s, v, yParity } = parseSignature(signature);
    // The SDK's simulation, argument for argument (simulateEip3009TransferResult).
    const simulation = {
      address: asset,
      abi: eip3009ABI,
      functionName: "transferWithAuthorization",
      args: [getAddress(a.from), getAddress(a.to), BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce, v ?? yParity, r, s],
    };
    const key = callKey(simulation);
    const call = this.client.readContract(simulation as never);
    call.catch(() => {}); // the SDK's own await sees the failure
    this.calls.set(key, call);
    try {
      return await verify();
    } finally {
      if (this.calls.get(key) === call) this.calls.delete(key);
    }
  }
}

/** One contract read as a string: its address, function and arguments. */
function callKey(args: { address: string; functionName: string; args?: readonly unknown[] }): string {
  return JSON.stringify([args.address.toLowerCase(), args.functionName, args.args ?? []], (_, value: unknown) =>
    typeof value === "bigint" ? `${value}n` : typeof value === "string" ? value.toLowerCase() : value,
  );
}

/** How long a verification stands in for settle's own signature check (a paid reply settles within seconds). */
const VERIFIED_TTL_MS = 10 * 60_000;
/** The SDK's errorReason for a transfer that failed once sent (its ErrTransactionFailed, not exported). */
const TRANSACTION_FAILED = "invalid_exact_evm_transaction_failed";

/**
 * The SDK's exact scheme, except that a payload this instance verified is not verified again when it settles.
 *
 * The SDK's settle starts with a verification of its own whose ECDSA recovery (~3 ms of CPU) repeats the one verify
 * made on the same payload moments before, in this process: our routes verify before the reply and settle after
 * it. So a successful verify is remembered, keyed by all the signature check reads (the payload and the
 * requirements: domain name and version, network, asset), and settling that very payload skips the recovery:
 * - only for a 65-byte ECDSA signature by a payer without code (ERC-1271 / ERC-6492 payers go the SDK's way);
 * - the time window, which is what can change since, is checked again: outside it the SDK's settle refuses;
 * - only through the batcher, whose write resolves once the token logged this authorization used (and the token
 *   checks the signature on chain whatever happens here).
 * The sent transaction is then handed to the SDK's settle as already broadcast (its pending-settlement store, the
 * SDK's way of resuming a settlement), so the receipt checks and the response are the SDK's. A call refused before
 * it was sent goes the SDK's whole way, which meets the same refusal and words it as for any settlement.
 */
class ExactSchemeVerifiedOnce implements SchemeNetworkFacilitator {
  readonly scheme = "exact";
  readonly caipFamily = "eip155:*";
  private readonly inner: ExactEvmScheme;
  private readonly broadcast = new InMemoryPendingSettlementStore();
  /** Verified payloads (verifiedKey) and until when their verification stands in, in ms. */
  private readonly verified = new Map<string, number>();

  constructor(
    signer: FacilitatorEvmSigner,
    private readonly batcher: SettlementBatcher,
    private readonly codeAt: (address: Hex) => Promise<Hex | undefined>,
    private readonly reads: ReadsAhead,
  ) {
    this.inner = new ExactEvmScheme(signer, { pendingSettlementStore: this.broadcast });
  }

  getExtra(network: string) {
    return this.inner.getExtra(network);
  }

  getSigners(network: string) {
    return this.inner.getSigners(network);
  }

  async verify(payload: PaymentPayload, requirements: PaymentRequirements, context?: FacilitatorContext): Promise<VerifyResponse> {
    const result = await this.reads.around(payload, requirements, () => this.inner.verify(payload, requirements, context));
    const signed = ecdsaAuthorization(payload);
    // The payer's code was read by this very verification (a cached read): code means another kind of signature.
    if (result.isValid && signed && !hasCode(await this.codeAt(signed.authorization.from as Hex).catch(() => "0xff" as Hex))) {
      const now = Date.now();
      if (this.verified.size > 10_000) for (const [key, until] of this.verified) if (until <= now) this.verified.delete(key);
      this.verified.set(verifiedKey(payload, requirements), Math.min(now + VERIFIED_TTL_MS, Number(signed.authorization.validBefore) * 1000));
    }
    return result;
  }

  async settle(payload: PaymentPayload, requirements: PaymentRequirements, context?: FacilitatorContext): Promise<SettleResponse> {
    const signed = ecdsaAuthorization(payload);
    if (!signed || !this.takeVerified(payload, requirements) || !withinWindow(signed)) return this.inner.settle(payload, requirements, context);
    const { authorization: a, signature } = signed;
    const { r, s, v, yParity } = parseSignature(signature);
    let tx: Hex;
    try {
      tx = await this.batcher.submit({
        address: getAddress(requirements.asset),
        abi: eip3009ABI,
        functionName: "transferWithAuthorization",
        args: [getAddress(a.from), getAddress(a.to), BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce, Number(v ?? BigInt(yParity + 27)), r, s],
        dataSuffix: await resolveDataSuffix(context, { paymentPayload: payload, paymentRequirements: requirements }),
      });
    } catch (err) {
      if (err instanceof BatchCallFailed && err.beforeSending) return this.inner.settle(payload, requirements, context);
      // Sent (or maybe sent) and not settled: what the SDK answers for a write that failed.
      const errorMessage = err instanceof Error ? err.message : String(err);
      return { success: false, errorReason: TRANSACTION_FAILED, errorMessage, transaction: "", network: payload.accepted.network, payer: a.from };
    }
    await this.broadcast.set(signature, tx);
    return this.inner.settle(payload, requirements, context);
  }

  private takeVerified(payload: PaymentPayload, requirements: PaymentRequirements): boolean {
    const key = verifiedKey(payload, requirements);
    const until = this.verified.get(key);
    this.verified.delete(key);
    return until !== undefined && until > Date.now();
  }
}

/** The SDK's exact scheme, its verification's reads started together (ReadsAhead). */
class ExactSchemeReadingAhead extends ExactEvmScheme {
  constructor(
    signer: FacilitatorEvmSigner,
    private readonly reads: ReadsAhead,
  ) {
    super(signer);
  }

  override verify(...args: Parameters<ExactEvmScheme["verify"]>): ReturnType<ExactEvmScheme["verify"]> {
    return this.reads.around(args[0], args[1], () => super.verify(...args));
  }
}

/** Everything the SDK's verification of an EIP-3009 payload reads, as one string. */
function verifiedKey(payload: PaymentPayload, requirements: PaymentRequirements): string {
  return JSON.stringify([payload.x402Version, payload.accepted, payload.payload, requirements]);
}

/** The payload's authorization when it is EIP-3009 signed by a plain 65-byte ECDSA signature. */
function ecdsaAuthorization(payload: PaymentPayload): ExactEIP3009Payload & { signature: Hex } | null {
  const inner = payload.payload as unknown as ExactEIP3009Payload;
  if (!isEIP3009Payload(inner) || typeof inner.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(inner.signature)) return null;
  return inner as ExactEIP3009Payload & { signature: Hex };
}

/** The SDK's time checks of verification: valid from validAfter, and for at least 6 s more. */
function withinWindow({ authorization }: ExactEIP3009Payload): boolean {
  const now = BigInt(Math.floor(Date.now() / 1000));
  return BigInt(authorization.validBefore) >= now + 6n && BigInt(authorization.validAfter) <= now;
}

function hasCode(code: Hex | undefined): boolean {
  return Boolean(code && code !== "0x");
}

/**
 * One instance per process (index.ts). `sendLock` keeps its sends and those of the deployment's other processes,
 * which share the key, from taking one nonce (sender.ts).
 */
export function createLocalFacilitator({ sendLock = defaultSendLock() }: { sendLock?: CrossProcessLock } = {}): x402Facilitator {
  return createLocalFacilitatorWithBatchers({ sendLock }).facilitator;
}

/** The facilitator and its exact-settlement batcher per network (null: batching off), for tests and the bench. */
export function createLocalFacilitatorWithBatchers({ sendLock = defaultSendLock() }: { sendLock?: CrossProcessLock } = {}): {
  facilitator: x402Facilitator;
  batchers: Map<string, SettlementBatcher | null>;
} {
  const account = privateKeyToAccount(facilitatorKey());
  const facilitator = new x402Facilitator();
  const batchers = new Map<string, SettlementBatcher | null>();
  const pings = new Map<string, () => Promise<unknown>>();
  // The SDK reads a failed RPC call during verification as a bad signature (it swallows getCode's
  // error): before a refusal goes out, make sure the chain answered, so an outage is reported as one.
  const assertChainReachable = async (network: string) => {
    try {
      await pings.get(network)?.();
    } catch (err) {
      throw new ChainUnreachableError(network, err);
    }
  };
  facilitator.onVerifyFailure(async ({ requirements, error }) => {
    if (!(error instanceof ChainUnreachableError)) await assertChainReachable(requirements.network);
  });
  facilitator.onAfterSettle(async ({ requirements, result }) => {
    if (!result.success) await assertChainReachable(requirements.network);
  });
  for (const network of facilitatorNetworks()) {
    const rpcUrl = rpcUrlOf(network);
    const client = createWalletClient({
      account,
      chain: viemChainOf(network, rpcUrl),
      transport: http(rpcUrl, { retryCount: 0, timeout: 15_000 }),
      // anvil mines on each transaction: poll receipts often rather than every 4 s.
      pollingInterval: network.key === "local" ? 25 : 1_000,
    }).extend(publicActions);
    // Verification's reads, on a transport that sends the reads of one tick as one JSON-RPC batch (ReadsAhead).
    const reader = createWalletClient({
      account,
      chain: viemChainOf(network, rpcUrl),
      transport: http(rpcUrl, { retryCount: 0, timeout: 15_000, batch: { wait: 0 } }),
    }).extend(publicActions);
    const reads = new ReadsAhead(reader);
    pings.set(network.caip2, () => client.getBlockNumber({ cacheTime: 0 }));
    // Every transaction of this key on this chain goes through it, in nonce order.
    const sender = new FacilitatorSender(client, account, sendLock);
    // Exact settlements (the SDK's transferWithAuthorization writes) go out in Multicall3 batches; the SDK's
    // receipt wait that follows is answered from the batch's one receipt (settlement/batch.ts).
    const batcher =
      env.SETTLEMENT_BATCH_MAX > 1
        ? new SettlementBatcher({
            client,
            account: account.address,
            send: (args) => sender.sendTransaction(args),
            maxSize: env.SETTLEMENT_BATCH_MAX,
            maxWaitMs: env.SETTLEMENT_BATCH_WAIT_MS,
            confirmationTimeoutMs: CONFIRMATION_TIMEOUT_MS,
          })
        : null;
    batchers.set(network.caip2, batcher);
    const signer = toFacilitatorEvmSigner(
      {
        address: account.address,
        readContract: (args) => reads.readContract(args),
        verifyTypedData: async (args) => {
          const typed = args as Parameters<typeof client.verifyTypedData>[0];
          // A plain ECDSA signature by the payer is checked here, without the chain; anything else
          // (ERC-1271 / ERC-6492 contract accounts) goes to viem's on-chain check. The simulation
          // that follows in verification stays the final word on whether the token accepts it.
          const byKey = await verifyTypedData(typed).catch(() => false);
          return byKey || client.verifyTypedData(typed);
        },
        writeContract: (args) => (batcher && SettlementBatcher.takes(args) ? batcher.submit(args) : sender.writeContract(args)),
        sendTransaction: (args) => sender.sendTransaction(args),
        waitForTransactionReceipt: async (args) => batcher?.receiptOf(args.hash) ?? client.waitForTransactionReceipt(args),
        getCode: (args) => codeCache.get(reader, args.address),
      },
      { confirmationTimeoutMs: CONFIRMATION_TIMEOUT_MS },
    );
    // Registered per network (not with registerExactEvmScheme, which gives every
    // v1 network one signer): each signer's client is bound to its own chain.
    facilitator.register(
      network.caip2,
      batcher ? new ExactSchemeVerifiedOnce(signer, batcher, (address) => codeCache.get(reader, address), reads) : new ExactSchemeReadingAhead(signer, reads),
    );
    // Tabs (batch-settlement): the same key relays deposits, claims, settlements and refunds, and signs as
    // the receiver authorizer our agents' channels name (advertised in /supported). Over HTTP the guard
    // lets only this app's own paid routes reach it, so no stranger can ask it to sign a refund.
    facilitator.register(network.caip2, new BatchSettlementEvmScheme(signer, { address: account.address, signTypedData: (typed) => account.signTypedData(typed as Parameters<typeof account.signTypedData>[0]) }));
    // v1 names networks with plain names ("base-sepolia"); the SDK types them as CAIP-2 anyway.
    if (network.x402V1Name) facilitator.registerV1(network.x402V1Name as Caip2, new ExactEvmSchemeV1(signer));
  }
  return { facilitator, batchers };
}
