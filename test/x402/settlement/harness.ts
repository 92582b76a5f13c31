/**
 * Tabs charged through the official SDK, without a route: the client scheme signs deposits and vouchers, the
 * server scheme (storage: a TabLedger) verifies and charges them through an x402ResourceServer, and the SDK's
 * facilitator scheme, with its own key as the receiver authorizer, relays deposits, claims and settlements.
 */
import { x402Facilitator } from "@x402/core/facilitator";
import { x402ResourceServer, type FacilitatorClient } from "@x402/core/server";
import type { PaymentPayload, PaymentRequirements, SupportedResponse } from "@x402/core/types";
import { BATCH_SETTLEMENT_ADDRESS, toClientEvmSigner } from "@x402/evm";
import {
  BatchSettlementEvmScheme as ClientBatchScheme,
  InMemoryClientChannelStorage,
  computeChannelId,
  updateChannelFromSettle,
} from "@x402/evm/batch-settlement/client";
import { BatchSettlementEvmScheme as FacilitatorBatchScheme } from "@x402/evm/batch-settlement/facilitator";
import { BatchSettlementEvmScheme as ServerBatchScheme } from "@x402/evm/batch-settlement/server";
import { createPublicClient, createWalletClient, erc20Abi, http, parseAbi, parseEther, type Address, type Hex, type PrivateKeyAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { fundLocalAccount } from "@/lib/devchain";
import type { TabLedger } from "@/lib/ledger/tabs";
import { localFacilitatorSigner } from "@/test/support/facilitator-signer";

export const NETWORK = `eip155:${foundry.id}` as const;
export const WITHDRAW_DELAY = 900;
/** The per-message maximum of the test agents, atomic USDC. */
export const PRICE = 10_000n;

export const newAccount = () => privateKeyToAccount(generatePrivateKey());

export const settlementAbi = parseAbi([
  "struct ChannelConfig { address payer; address payerAuthorizer; address receiver; address receiverAuthorizer; address token; uint40 withdrawDelay; bytes32 salt; }",
  "function initiateWithdraw(ChannelConfig config, uint128 amount)",
  "function finalizeWithdraw(ChannelConfig config)",
  "function channels(bytes32 channelId) view returns (uint128 balance, uint128 totalClaimed)",
  "event WithdrawInitiated(bytes32 indexed channelId, address indexed sender, uint128 amount, uint40 finalizeAfter)",
]);

/** The facilitator every test process shares the key of: one key relays and signs as receiver authorizer. */
export function createFacilitator(account: PrivateKeyAccount, rpcUrl: string): x402Facilitator {
  const facilitator = new x402Facilitator();
  facilitator.register(NETWORK, new FacilitatorBatchScheme(localFacilitatorSigner(account, rpcUrl), account));
  return facilitator;
}

/** An x402ResourceServer with one batch-settlement server scheme storing its channels in `tabs`. */
export async function createResourceServer(facilitator: x402Facilitator, tabs: TabLedger): Promise<x402ResourceServer> {
  const client: FacilitatorClient = {
    verify: (payload, requirements) => facilitator.verify(payload, requirements),
    settle: (payload, requirements) => facilitator.settle(payload, requirements),
    getSupported: async () => facilitator.getSupported() as SupportedResponse,
  };
  const server = new x402ResourceServer([client]);
  // The receiver passed here only matters to the SDK's channel manager, which we do not use.
  server.register(NETWORK, new ServerBatchScheme(newAccount().address, { storage: tabs }));
  await server.initialize();
  return server;
}

export function requirementsFor(usdc: Address, payTo: Address, authorizer: Address): PaymentRequirements {
  return {
    scheme: "batch-settlement",
    network: NETWORK,
    amount: PRICE.toString(),
    asset: usdc,
    payTo,
    maxTimeoutSeconds: 3600,
    extra: { receiverAuthorizer: authorizer, withdrawDelay: WITHDRAW_DELAY, name: "USD Coin", version: "2" },
  };
}

/** A payer with a funded key and the official client scheme; `pay` sends one message's payment through `server`. */
export class Payer {
  readonly account = newAccount();
  readonly storage = new InMemoryClientChannelStorage();
  readonly scheme: ClientBatchScheme;
  /** What the server charged, per channel id. */
  readonly charged = new Map<Hex, bigint>();

  private constructor(readonly rpcUrl: string) {
    const publicClient = createPublicClient({ chain: foundry, transport: http(rpcUrl) });
    // Deposits cover 20 messages at the maximum.
    this.scheme = new ClientBatchScheme(toClientEvmSigner(this.account, publicClient), {
      storage: this.storage,
      depositPolicy: { depositMultiplier: 20 },
    });
  }

  static async funded(rpcUrl: string): Promise<Payer> {
    const payer = new Payer(rpcUrl);
    await fundLocalAccount(rpcUrl, payer.account.address, { usdc: 10_000_000n, eth: parseEther("1") });
    return payer;
  }

  channelId(requirements: PaymentRequirements): Hex {
    return computeChannelId(this.scheme.buildChannelConfig(requirements), NETWORK);
  }

  /** Pays one message of `requirements`, charged `amount` (at most the price), as a paid route would. */
  async pay(server: x402ResourceServer, requirements: PaymentRequirements, amount: bigint): Promise<void> {
    const created = await this.scheme.createPaymentPayload(2, requirements);
    const payload: PaymentPayload = { x402Version: 2, accepted: requirements, payload: created.payload };
    const verified = await server.verifyPayment(payload, requirements);
    if (!verified.isValid) throw new Error(`voucher refused: ${verified.invalidReason} ${verified.invalidMessage ?? ""}`);
    const settled = await server.settlePayment(payload, requirements, undefined, undefined, { amount: amount.toString() });
    if (!settled.success) throw new Error(`charge failed: ${settled.errorReason}`);
    const channelId = this.channelId(requirements);
    const deposit = (created.payload as { deposit?: { amount: string } }).deposit;
    await updateChannelFromSettle(this.storage, {
      server: { chargedAmount: (settled.extra as { chargedAmount?: string } | undefined)?.chargedAmount ?? amount.toString() },
      local: { channelId, requestAmount: requirements.amount, ...(deposit ? { depositAmount: deposit.amount } : {}) },
    });
    this.charged.set(channelId, (this.charged.get(channelId) ?? 0n) + amount);
  }

  /** The payer's own escape hatch: starts a timed withdrawal of `amount` on chain. */
  initiateWithdraw(requirements: PaymentRequirements, amount: bigint): Promise<void> {
    return this.send("initiateWithdraw", [this.scheme.buildChannelConfig(requirements), amount]);
  }

  /** Ends the withdrawal after its delay: the payer gets what is still unclaimed of it. */
  finalizeWithdraw(requirements: PaymentRequirements): Promise<void> {
    return this.send("finalizeWithdraw", [this.scheme.buildChannelConfig(requirements)]);
  }

  private async send(functionName: "initiateWithdraw" | "finalizeWithdraw", args: readonly unknown[]): Promise<void> {
    const wallet = createWalletClient({ chain: foundry, transport: http(this.rpcUrl), account: this.account });
    const hash = await wallet.writeContract({ address: BATCH_SETTLEMENT_ADDRESS, abi: settlementAbi, functionName, args } as never);
    const publicClient = createPublicClient({ chain: foundry, transport: http(this.rpcUrl), pollingInterval: 50 });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
  }
}

export const usdcBalance = (rpcUrl: string, usdc: Address, owner: Address) =>
  createPublicClient({ chain: foundry, transport: http(rpcUrl) }).readContract({
    address: usdc,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [owner],
  });
