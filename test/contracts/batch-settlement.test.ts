/**
 * x402BatchSettlement and its ERC-3009 deposit collector on a real anvil, at the canonical addresses where
 * ensureLocalContracts places them. Calls go through the ABI the @x402/evm SDK uses (transcribed below, not the one
 * compiled from our source, so a signature drift would show); errors and our own events are decoded with the
 * compiled ABI. Signatures are real EIP-712 signatures from fresh keys, with the SDK's own typed-data definitions.
 * The last block drives the SDK's own facilitator and client schemes against the contracts.
 */
import { randomBytes } from "node:crypto";
import { toClientEvmSigner, claimBatchTypes, refundTypes, voucherTypes } from "@x402/evm";
import {
  BatchSettlementEvmScheme as ClientBatchScheme,
  InMemoryClientChannelStorage,
  computeChannelId,
  createBatchSettlementEIP3009DepositPayload,
  signVoucher,
  updateChannelFromSettle,
} from "@x402/evm/batch-settlement/client";
import { BatchSettlementEvmScheme as FacilitatorBatchScheme } from "@x402/evm/batch-settlement/facilitator";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeFunctionData,
  encodeFunctionData,
  erc20Abi,
  getAbiItem,
  hashTypedData,
  http,
  isAddressEqual,
  keccak256,
  parseAbi,
  parseEther,
  parseEventLogs,
  toEventSelector,
  toFunctionSignature,
  toHex,
  type Abi,
  type AbiEvent,
  type AbiFunction,
  type Address,
  type Hex,
  type PrivateKeyAccount,
  type TransactionReceipt,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import reentrantCollectorJson from "../../contracts/artifacts/test/ReentrantCollector.json";
import testSmartWalletJson from "../../contracts/artifacts/test/TestSmartWallet.json";
import { localFacilitatorSigner } from "../support/facilitator-signer";
import { batchSettlementArtifacts, type BatchSettlementDeployment } from "../../lib/devchain/batch-settlement";
import { erc3009CollectorData as encodeCollectorData, erc3009DepositNonce, receiveWithAuthorization } from "../../lib/x402/shared/eip3009";
import {
  ensureLocalContracts,
  fundLocalAccount,
  parseContractArtifact,
  startAnvil,
  type Anvil,
  type ContractArtifact,
} from "../../lib/devchain";

/** The SDK's batchSettlementABI (node_modules/@x402/evm, src/batch-settlement/abi.ts), as signatures. */
const sdkAbi = parseAbi([
  "struct ChannelConfig { address payer; address payerAuthorizer; address receiver; address receiverAuthorizer; address token; uint40 withdrawDelay; bytes32 salt; }",
  "struct Voucher { ChannelConfig channel; uint128 maxClaimableAmount; }",
  "struct VoucherClaim { Voucher voucher; bytes signature; uint128 totalClaimed; }",
  "function multicall(bytes[] data) returns (bytes[] results)",
  "function deposit(ChannelConfig config, uint128 amount, address collector, bytes collectorData)",
  "function claim(VoucherClaim[] voucherClaims)",
  "function claimWithSignature(VoucherClaim[] voucherClaims, bytes authorizerSignature)",
  "function settle(address receiver, address token)",
  "function initiateWithdraw(ChannelConfig config, uint128 amount)",
  "function finalizeWithdraw(ChannelConfig config)",
  "function refund(ChannelConfig config, uint128 amount)",
  "function refundWithSignature(ChannelConfig config, uint128 amount, uint256 nonce, bytes receiverAuthorizerSignature)",
  "function getChannelId(ChannelConfig config) view returns (bytes32)",
  "function CHANNEL_CONFIG_TYPEHASH() view returns (bytes32)",
  "function channels(bytes32 channelId) view returns (uint128 balance, uint128 totalClaimed)",
  "function pendingWithdrawals(bytes32 channelId) view returns (uint128 amount, uint40 initiatedAt)",
  "function receivers(address receiver, address token) view returns (uint128 totalClaimed, uint128 totalSettled)",
  "function getVoucherDigest(bytes32 channelId, uint128 maxClaimableAmount) view returns (bytes32)",
  "function getRefundDigest(bytes32 channelId, uint256 nonce, uint128 amount) view returns (bytes32)",
  "function refundNonce(bytes32 channelId) view returns (uint256)",
  "function getClaimBatchDigest(VoucherClaim[] voucherClaims) view returns (bytes32)",
  "event Settled(address indexed receiver, address indexed token, address indexed sender, uint128 amount)",
]);
const batchSettlementArtifact = batchSettlementArtifacts().settlement;
/** Errors and the events beyond Settled come from our compiled ABI (the SDK's names only Settled). */
const abi = [
  ...sdkAbi,
  ...batchSettlementArtifact.abi.filter(
    (item) => item.type === "error" || (item.type === "event" && item.name !== "Settled"),
  ),
] as const;
const collectorAbi = parseAbi([
  "function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes collectorData)",
  "error OnlySettlement()",
]);
const walletArtifact = parseContractArtifact(testSmartWalletJson);
const reentrantArtifact = parseContractArtifact(reentrantCollectorJson);
const walletAbi = [...parseAbi(["function execute(address target, bytes data) returns (bytes)"]), ...abi] as const;

const CHAIN_ID = foundry.id;
const NETWORK = `eip155:${CHAIN_ID}` as const;
const DELAY = 900;
interface ChannelConfig {
  payer: Address;
  payerAuthorizer: Address;
  receiver: Address;
  receiverAuthorizer: Address;
  token: Address;
  withdrawDelay: number;
  salt: Hex;
}
interface Row {
  config: ChannelConfig;
  max: bigint;
  total: bigint;
  signature: Hex;
}

const newAccount = () => privateKeyToAccount(generatePrivateKey());
const payer = newAccount();
const payerAuthorizer = newAccount();
const receiver = newAccount();
const receiverAuthorizer = newAccount();
const relayer = newAccount();
const stranger = newAccount();
const walletOwner = newAccount();

let anvil: Anvil;
let usdc: Address;
let settlement: Address;
let collector: Address;
let publicClient: ReturnType<typeof createPublicClient>;
let testClient: ReturnType<typeof createTestClient>;
/** Gas of each operation, printed at the end for the report. */
const gas: Record<string, bigint> = {};

beforeAll(async () => {
  anvil = await startAnvil({ port: 0, silent: true });
  const deployment = (await ensureLocalContracts(anvil.rpcUrl)) as Awaited<ReturnType<typeof ensureLocalContracts>> &
    BatchSettlementDeployment;
  ({ usdc, batchSettlement: settlement, erc3009DepositCollector: collector } = deployment);
  const transport = http(anvil.rpcUrl);
  publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 50 });
  testClient = createTestClient({ chain: foundry, transport, mode: "anvil" });
  await fundLocalAccount(anvil.rpcUrl, payer.address, { usdc: 1_000_000_000n, eth: parseEther("1") });
  for (const account of [payerAuthorizer, receiver, receiverAuthorizer, relayer, stranger, walletOwner]) {
    await fundLocalAccount(anvil.rpcUrl, account.address, { usdc: 0n, eth: parseEther("10") });
  }
});

afterAll(async () => {
  if (Object.keys(gas).length > 0) console.info("batch-settlement gas:", gas);
  await anvil?.stop();
});

const walletOf = (account: PrivateKeyAccount) =>
  createWalletClient({ chain: foundry, transport: http(anvil.rpcUrl), account, pollingInterval: 50 });

const bsDomain = () => ({ name: "x402 Batch Settlement", version: "1", chainId: CHAIN_ID, verifyingContract: settlement });
const usdcDomain = () => ({ name: "USD Coin", version: "2", chainId: CHAIN_ID, verifyingContract: usdc });
const randomSalt = (): Hex => toHex(randomBytes(32));

function newConfig(overrides: Partial<ChannelConfig> = {}): ChannelConfig {
  return {
    payer: payer.address,
    payerAuthorizer: payerAuthorizer.address,
    receiver: receiver.address,
    receiverAuthorizer: receiverAuthorizer.address,
    token: usdc,
    withdrawDelay: DELAY,
    salt: randomSalt(),
    ...overrides,
  };
}
const idOf = (config: ChannelConfig): Hex => computeChannelId(config, CHAIN_ID);

/** Sends a call to the settlement contract and returns the receipt; throws (with the decoded error) if it reverts. */
async function send(
  from: PrivateKeyAccount,
  functionName: string,
  args: readonly unknown[],
  to: Address = settlement,
  callAbi: Abi = abi as unknown as Abi,
): Promise<TransactionReceipt> {
  const hash = await walletOf(from).writeContract({ address: to, abi: callAbi, functionName, args } as never);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${functionName} reverted (tx ${hash})`);
  return receipt;
}

function events(receipt: TransactionReceipt, eventName?: string) {
  const logs = parseEventLogs({
    abi: abi as unknown as Abi,
    logs: receipt.logs.filter((log) => isAddressEqual(log.address, settlement)),
  });
  return eventName ? logs.filter((log) => log.eventName === eventName) : logs;
}

async function read<T>(functionName: string, args: readonly unknown[]): Promise<T> {
  return (await publicClient.readContract({ address: settlement, abi: sdkAbi as Abi, functionName, args })) as T;
}
const channelOf = async (config: ChannelConfig) => {
  const [balance, totalClaimed] = await read<[bigint, bigint]>("channels", [idOf(config)]);
  return { balance, totalClaimed };
};
const pendingOf = async (config: ChannelConfig) => {
  const [amount, initiatedAt] = await read<[bigint, number]>("pendingWithdrawals", [idOf(config)]);
  return { amount, initiatedAt };
};
const nonceOf = (config: ChannelConfig) => read<bigint>("refundNonce", [idOf(config)]);
const usdcBalance = (address: Address) =>
  publicClient.readContract({ address: usdc, abi: erc20Abi, functionName: "balanceOf", args: [address] });

/** collectorData for the ERC-3009 collector, signed by `signer` (the payer unless a test says otherwise). */
async function erc3009CollectorData(
  config: ChannelConfig,
  amount: bigint,
  { signer = payer, channelId = idOf(config) }: { signer?: PrivateKeyAccount; channelId?: Hex } = {},
): Promise<Hex> {
  const salt = BigInt(randomSalt());
  const { timestamp } = await publicClient.getBlock();
  const validBefore = timestamp + 3600n;
  const signature = await signer.signTypedData({
    domain: usdcDomain(),
    ...receiveWithAuthorization,
    message: { from: config.payer, to: collector, value: amount, validAfter: 0n, validBefore, nonce: erc3009DepositNonce(channelId, salt) },
  });
  return encodeCollectorData({ validAfter: 0n, validBefore, salt, signature });
}

async function deposit(config: ChannelConfig, amount: bigint): Promise<TransactionReceipt> {
  return send(relayer, "deposit", [config, amount, collector, await erc3009CollectorData(config, amount)]);
}

const signVoucherBy = (signer: PrivateKeyAccount, config: ChannelConfig, max: bigint) =>
  signer.signTypedData({
    domain: bsDomain(),
    types: voucherTypes,
    primaryType: "Voucher",
    message: { channelId: idOf(config), maxClaimableAmount: max },
  });

async function row(config: ChannelConfig, max: bigint, total: bigint, signer = payerAuthorizer): Promise<Row> {
  return { config, max, total, signature: await signVoucherBy(signer, config, max) };
}
const claimArgs = (rows: Row[]) =>
  rows.map((r) => ({ voucher: { channel: r.config, maxClaimableAmount: r.max }, signature: r.signature, totalClaimed: r.total }));

const signClaimBatchBy = (signer: PrivateKeyAccount, rows: Row[]) =>
  signer.signTypedData({
    domain: bsDomain(),
    types: claimBatchTypes,
    primaryType: "ClaimBatch",
    message: {
      claims: rows.map((r) => ({ channelId: idOf(r.config), maxClaimableAmount: r.max, totalClaimed: r.total })),
    },
  });
const signRefundBy = (signer: PrivateKeyAccount, config: ChannelConfig, nonce: bigint, amount: bigint) =>
  signer.signTypedData({
    domain: bsDomain(),
    types: refundTypes,
    primaryType: "Refund",
    message: { channelId: idOf(config), nonce, amount },
  });

async function claimWithSignature(rows: Row[], by = relayer, signer = receiverAuthorizer) {
  return send(by, "claimWithSignature", [claimArgs(rows), await signClaimBatchBy(signer, rows)]);
}

/** Runs `body` on a snapshot of the chain that is reverted afterwards, so time travel stays inside it. */
async function onSnapshot(body: () => Promise<void>): Promise<void> {
  const id = await testClient.snapshot();
  try {
    await body();
  } finally {
    await testClient.revert({ id });
  }
}
async function advance(seconds: number): Promise<void> {
  await testClient.increaseTime({ seconds });
  await testClient.mine({ blocks: 1 });
}

describe("the SDK's view of the contract", () => {
  it("has every function of the SDK's ABI, with the same inputs and outputs", () => {
    const compiled = batchSettlementArtifact.abi.filter((i): i is AbiFunction => i.type === "function");
    for (const item of (sdkAbi as Abi).filter((i): i is AbiFunction => i.type === "function")) {
      const match = compiled.find((c) => toFunctionSignature(c) === toFunctionSignature(item));
      expect(match, toFunctionSignature(item)).toBeDefined();
      expect(match?.outputs.map((o) => o.type)).toEqual(item.outputs.map((o) => o.type));
      expect(match?.stateMutability).toBe(item.stateMutability);
    }
    const settled = getAbiItem({ abi: batchSettlementArtifact.abi, name: "Settled" }) as AbiEvent;
    const sdkSettled = getAbiItem({ abi: sdkAbi, name: "Settled" });
    expect(toEventSelector(settled)).toBe(toEventSelector(sdkSettled));
    const shape = (event: AbiEvent) => event.inputs.map((input) => [input.name, Boolean(input.indexed)]);
    expect(shape(settled)).toEqual(shape(sdkSettled));
  });

  it("computes the channel id and every digest exactly as the SDK does", async () => {
    const config = newConfig();
    const id = idOf(config);
    expect(await read("CHANNEL_CONFIG_TYPEHASH", [])).toBe(
      keccak256(
        toHex(
          "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)",
        ),
      ),
    );
    expect(await read("getChannelId", [config])).toBe(id);
    expect(await read("getVoucherDigest", [id, 1234n])).toBe(
      hashTypedData({ domain: bsDomain(), types: voucherTypes, primaryType: "Voucher", message: { channelId: id, maxClaimableAmount: 1234n } }),
    );
    expect(await read("getRefundDigest", [id, 7n, 99n])).toBe(
      hashTypedData({ domain: bsDomain(), types: refundTypes, primaryType: "Refund", message: { channelId: id, nonce: 7n, amount: 99n } }),
    );
    const rows = [await row(config, 10n, 5n), await row(newConfig(), 20n, 20n)];
    expect(await read("getClaimBatchDigest", [claimArgs(rows)])).toBe(
      hashTypedData({
        domain: bsDomain(),
        types: claimBatchTypes,
        primaryType: "ClaimBatch",
        message: { claims: rows.map((r) => ({ channelId: idOf(r.config), maxClaimableAmount: r.max, totalClaimed: r.total })) },
      }),
    );
  });
});

describe("channel ids", () => {
  it("refuses a config word with bits beyond its address or uint40 type, so one config has one id", async () => {
    const config = newConfig();
    const data = encodeFunctionData({ abi, functionName: "getChannelId", args: [config] });
    expect((await publicClient.call({ to: settlement, data })).data).toBe(idOf(config));
    // Words follow the 4-byte selector: word 0 is the payer, word 5 the withdraw delay (uint40 in 32 bytes).
    const withByte = (word: number, byteInWord: number) => {
      const at = 2 + 8 + word * 64 + byteInWord * 2;
      return `${data.slice(0, at)}01${data.slice(at + 2)}` as Hex;
    };
    await expect(publicClient.call({ to: settlement, data: withByte(0, 0) })).rejects.toThrow();
    await expect(publicClient.call({ to: settlement, data: withByte(4, 11) })).rejects.toThrow();
    await expect(publicClient.call({ to: settlement, data: withByte(5, 26) })).rejects.toThrow();
  });
});

describe("deposit", () => {
  it("creates the channel on the first deposit and adds a top-up to it, with the tokens in the contract", async () => {
    const config = newConfig();
    const payerBefore = await usdcBalance(payer.address);
    const contractBefore = await usdcBalance(settlement);

    const first = await deposit(config, 1_000_000n);
    expect(events(first, "ChannelCreated")).toHaveLength(1);
    expect(events(first, "ChannelCreated")[0]?.args).toMatchObject({ channelId: idOf(config) });
    expect(events(first, "Deposited")[0]?.args).toMatchObject({
      channelId: idOf(config),
      sender: relayer.address,
      collector,
      amount: 1_000_000n,
      balance: 1_000_000n,
    });

    const topUp = await deposit(config, 500_000n);
    expect(events(topUp, "ChannelCreated")).toHaveLength(0);
    expect(events(topUp, "Deposited")[0]?.args).toMatchObject({ amount: 500_000n, balance: 1_500_000n });

    expect(await channelOf(config)).toEqual({ balance: 1_500_000n, totalClaimed: 0n });
    expect(await usdcBalance(payer.address)).toBe(payerBefore - 1_500_000n);
    expect(await usdcBalance(settlement)).toBe(contractBefore + 1_500_000n);
    expect(await usdcBalance(collector)).toBe(0n);
  });

  it("refuses a withdraw delay outside 15 minutes to 30 days, and a zero receiver authorizer", async () => {
    for (const withdrawDelay of [899, 30 * 86400 + 1]) {
      const config = newConfig({ withdrawDelay });
      await expect(deposit(config, 1n)).rejects.toThrow(/WithdrawDelayOutOfRange/);
    }
    for (const withdrawDelay of [900, 30 * 86400]) {
      await deposit(newConfig({ withdrawDelay }), 1n);
    }
    await expect(deposit(newConfig({ receiverAuthorizer: "0x0000000000000000000000000000000000000000" }), 1n)).rejects.toThrow(
      /InvalidConfig/,
    );
  });

  it("binds the payer's ERC-3009 authorization to one channel: it can't fund another", async () => {
    const meant = newConfig();
    const other = newConfig();
    const data = await erc3009CollectorData(other, 1000n, { channelId: idOf(meant) });
    await expect(send(relayer, "deposit", [other, 1000n, collector, data])).rejects.toThrow(/LocalUSDC: invalid signature/);
    // The same authorization does fund the channel it names.
    await send(relayer, "deposit", [meant, 1000n, collector, await erc3009CollectorData(meant, 1000n)]);
    expect((await channelOf(meant)).balance).toBe(1000n);
  });

  it("lets only the settlement contract make the collector pull funds", async () => {
    const config = newConfig();
    const data = await erc3009CollectorData(config, 1000n);
    await expect(
      send(stranger, "collect", [payer.address, usdc, 1000n, idOf(config), data], collector, collectorAbi),
    ).rejects.toThrow(/OnlySettlement/);
  });

  it("credits only what a collector actually delivered", async () => {
    const wallet = await deploySmartWallet();
    // Outside its owner's execute, the test wallet's collect returns without paying.
    const config = newConfig({ payer: wallet, payerAuthorizer: "0x0000000000000000000000000000000000000000" });
    await expect(send(stranger, "deposit", [config, 1000n, wallet, "0x"])).rejects.toThrow(/DepositNotReceived/);
  });
});

describe("reentrancy", () => {
  it("refuses a collector that re-enters to pass another deposit's tokens off as its own", async () => {
    const reentrant = await deployTestContract(reentrantArtifact, []);
    const honest = newConfig();
    const honestDeposit = encodeFunctionData({
      abi: sdkAbi,
      functionName: "deposit",
      args: [honest, 1000n, collector, await erc3009CollectorData(honest, 1000n)],
    });
    await send(stranger, "arm", [honestDeposit], reentrant, parseAbi(["function arm(bytes call)"]));
    // Unguarded, the outer deposit would see the inner one's 1000 arrive and credit them a second time.
    await expect(send(stranger, "deposit", [newConfig(), 1000n, reentrant, "0x"])).rejects.toThrow(/Reentrancy/);
    expect((await channelOf(honest)).balance).toBe(0n);
  });
});

describe("claims", () => {
  it("claims up to the voucher's ceiling and the balance, and credits the receiver", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    const before = await read<[bigint, bigint]>("receivers", [receiver.address, usdc]);

    await expect(send(receiver, "claim", [claimArgs([await row(config, 300n, 301n)])])).rejects.toThrow(/ClaimExceedsVoucher/);
    await expect(send(receiver, "claim", [claimArgs([await row(config, 1001n, 1001n)])])).rejects.toThrow(/ClaimExceedsBalance/);

    const receipt = await send(receiver, "claim", [claimArgs([await row(config, 300n, 250n)])]);
    expect(events(receipt, "Claimed")[0]?.args).toMatchObject({ channelId: idOf(config), amount: 250n, totalClaimed: 250n });
    expect(await channelOf(config)).toEqual({ balance: 1000n, totalClaimed: 250n });
    const after = await read<[bigint, bigint]>("receivers", [receiver.address, usdc]);
    expect(after[0] - before[0]).toBe(250n);

    // A later voucher raises the total; the whole balance can be claimed, no more.
    await send(receiverAuthorizer, "claim", [claimArgs([await row(config, 1000n, 1000n)])]);
    expect(await channelOf(config)).toEqual({ balance: 1000n, totalClaimed: 1000n });
  });

  it("treats a stale or replayed claim as a no-op", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    const latest = await row(config, 600n, 600n);
    await send(receiver, "claim", [claimArgs([latest])]);
    const replay = await send(receiver, "claim", [claimArgs([latest, await row(config, 400n, 400n)])]);
    expect(events(replay, "Claimed")).toHaveLength(0);
    expect(await channelOf(config)).toEqual({ balance: 1000n, totalClaimed: 600n });
  });

  it("takes claim only from the receiver or its authorizer", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    const r = await row(config, 100n, 100n);
    await expect(send(stranger, "claim", [claimArgs([r])])).rejects.toThrow(/Unauthorized/);
    await expect(send(payer, "claim", [claimArgs([r])])).rejects.toThrow(/Unauthorized/);
    await send(receiver, "claim", [claimArgs([r])]);
  });

  it("requires the voucher to be signed by the channel's payer authorizer (ECDSA), not by the payer", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    await expect(send(receiver, "claim", [claimArgs([await row(config, 100n, 100n, payer)])])).rejects.toThrow(
      /InvalidVoucherSignature/,
    );
    await expect(send(receiver, "claim", [claimArgs([await row(config, 100n, 100n, stranger)])])).rejects.toThrow(
      /InvalidVoucherSignature/,
    );
    await send(receiver, "claim", [claimArgs([await row(config, 100n, 100n, payerAuthorizer)])]);
  });

  it("with no payer authorizer, takes the payer's own ECDSA signature", async () => {
    const config = newConfig({ payerAuthorizer: "0x0000000000000000000000000000000000000000" });
    await deposit(config, 1000n);
    await expect(send(receiver, "claim", [claimArgs([await row(config, 100n, 100n, payerAuthorizer)])])).rejects.toThrow(
      /InvalidVoucherSignature/,
    );
    await send(receiver, "claim", [claimArgs([await row(config, 100n, 100n, payer)])]);
  });
});

describe("claimWithSignature", () => {
  it("claims many channels on one ClaimBatch signature of the receiver authorizer, relayed by anyone", async () => {
    const configs = [newConfig(), newConfig()];
    for (const config of configs) await deposit(config, 1000n);
    const rows = [await row(configs[0]!, 400n, 300n), await row(configs[1]!, 200n, 200n)];
    const receipt = await claimWithSignature(rows, stranger);
    expect(events(receipt, "Claimed").map((e) => (e.args as { amount: bigint }).amount)).toEqual([300n, 200n]);
    expect(await channelOf(configs[0]!)).toEqual({ balance: 1000n, totalClaimed: 300n });
    expect(await channelOf(configs[1]!)).toEqual({ balance: 1000n, totalClaimed: 200n });
  });

  it("credits each receiver the rows that are its own when a batch mixes receivers", async () => {
    const [first, second] = [newAccount().address, newAccount().address];
    const configs = [newConfig({ receiver: first }), newConfig({ receiver: second }), newConfig({ receiver: first })];
    for (const config of configs) await deposit(config, 1000n);
    // The second row of `first` also carries a stale total (nothing new), which credits nothing.
    await claimWithSignature([await row(configs[2]!, 50n, 50n)]);
    const rows = [
      await row(configs[0]!, 400n, 300n),
      await row(configs[1]!, 200n, 200n),
      await row(configs[2]!, 90n, 70n),
      await row(configs[2]!, 50n, 50n),
    ];
    await claimWithSignature(rows);
    expect(await read("receivers", [first, usdc])).toEqual([50n + 300n + 20n, 0n]);
    expect(await read("receivers", [second, usdc])).toEqual([200n, 0n]);
  });

  it("refuses a signature by anyone else, or one over other rows", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    const rows = [await row(config, 400n, 300n)];
    await expect(claimWithSignature(rows, relayer, receiver)).rejects.toThrow(/InvalidAuthorizerSignature/);
    await expect(claimWithSignature(rows, relayer, stranger)).rejects.toThrow(/InvalidAuthorizerSignature/);
    // Signed for 300, submitted for 400: the batch digest covers totalClaimed.
    const signature = await signClaimBatchBy(receiverAuthorizer, rows);
    const inflated = [{ ...rows[0]!, total: 400n }];
    await expect(send(relayer, "claimWithSignature", [claimArgs(inflated), signature])).rejects.toThrow(
      /InvalidAuthorizerSignature/,
    );
    await send(relayer, "claimWithSignature", [claimArgs(rows), signature]);
    expect((await channelOf(config)).totalClaimed).toBe(300n);
  });

  it("refuses rows of different receiver authorizers in one batch", async () => {
    const ours = newConfig();
    const theirs = newConfig({ receiverAuthorizer: stranger.address });
    await deposit(ours, 1000n);
    await deposit(theirs, 1000n);
    const rows = [await row(ours, 100n, 100n), await row(theirs, 100n, 100n)];
    await expect(claimWithSignature(rows)).rejects.toThrow(/MixedReceiverAuthorizers/);
  });

  it("checks each row's voucher as claim does", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    await expect(claimWithSignature([await row(config, 100n, 100n, stranger)])).rejects.toThrow(/InvalidVoucherSignature/);
    await expect(claimWithSignature([await row(config, 100n, 101n)])).rejects.toThrow(/ClaimExceedsVoucher/);
    await expect(claimWithSignature([await row(config, 2000n, 1001n)])).rejects.toThrow(/ClaimExceedsBalance/);
  });
});

describe("settle", () => {
  it("sweeps everything claimed and unsettled to the receiver, once, whoever calls", async () => {
    const payee = newAccount().address;
    const configs = [newConfig({ receiver: payee }), newConfig({ receiver: payee })];
    for (const config of configs) await deposit(config, 1000n);
    await claimWithSignature([await row(configs[0]!, 300n, 300n), await row(configs[1]!, 500n, 450n)]);

    const receipt = await send(stranger, "settle", [payee, usdc]);
    expect(await usdcBalance(payee)).toBe(750n);
    expect(events(receipt, "Settled")[0]?.args).toEqual({ receiver: payee, token: usdc, sender: stranger.address, amount: 750n });
    expect(await read("receivers", [payee, usdc])).toEqual([750n, 750n]);

    const again = await send(stranger, "settle", [payee, usdc]);
    expect(events(again, "Settled")).toHaveLength(0);
    expect(await usdcBalance(payee)).toBe(750n);
    // Settling doesn't touch the channels' accounting.
    expect(await channelOf(configs[1]!)).toEqual({ balance: 1000n, totalClaimed: 450n });
  });
});

describe("cooperative refund", () => {
  it("returns up to the unclaimed escrow to the payer, on a call by the receiver or its authorizer only", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    await send(receiver, "claim", [claimArgs([await row(config, 300n, 300n)])]);
    await expect(send(stranger, "refund", [config, 100n])).rejects.toThrow(/Unauthorized/);
    await expect(send(payer, "refund", [config, 100n])).rejects.toThrow(/Unauthorized/);

    const payerBefore = await usdcBalance(payer.address);
    const receipt = await send(receiver, "refund", [config, 200n]);
    expect(events(receipt, "Refunded")[0]?.args).toMatchObject({ channelId: idOf(config), amount: 200n, nonce: 0n });
    // Capped at balance - totalClaimed = 500.
    await send(receiverAuthorizer, "refund", [config, 10_000n]);
    expect(await usdcBalance(payer.address)).toBe(payerBefore + 700n);
    expect(await channelOf(config)).toEqual({ balance: 300n, totalClaimed: 300n });
    expect(await nonceOf(config)).toBe(2n);
  });

  it("refundWithSignature takes the receiver authorizer's Refund signature for the current nonce, from anyone", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    await expect(
      send(stranger, "refundWithSignature", [config, 100n, 0n, await signRefundBy(receiver, config, 0n, 100n)]),
    ).rejects.toThrow(/InvalidAuthorizerSignature/);
    await expect(
      send(stranger, "refundWithSignature", [config, 100n, 1n, await signRefundBy(receiverAuthorizer, config, 1n, 100n)]),
    ).rejects.toThrow(/InvalidRefundNonce/);
    // The signature binds the amount.
    await expect(
      send(stranger, "refundWithSignature", [config, 200n, 0n, await signRefundBy(receiverAuthorizer, config, 0n, 100n)]),
    ).rejects.toThrow(/InvalidAuthorizerSignature/);

    const signature = await signRefundBy(receiverAuthorizer, config, 0n, 100n);
    await send(stranger, "refundWithSignature", [config, 100n, 0n, signature]);
    expect(await channelOf(config)).toEqual({ balance: 900n, totalClaimed: 0n });
    expect(await nonceOf(config)).toBe(1n);
    // Spent: the same signature can't run twice.
    await expect(send(stranger, "refundWithSignature", [config, 100n, 0n, signature])).rejects.toThrow(/InvalidRefundNonce/);
  });

  it("advances the nonce first: a no-op refund still spends it, and a direct refund voids a pre-signed one", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    const preSigned = await signRefundBy(receiverAuthorizer, config, 0n, 100n);
    await send(receiver, "refund", [config, 50n]);
    await expect(send(stranger, "refundWithSignature", [config, 100n, 0n, preSigned])).rejects.toThrow(/InvalidRefundNonce/);

    await send(receiver, "claim", [claimArgs([await row(config, 950n, 950n)])]);
    const payerBefore = await usdcBalance(payer.address);
    const noop = await send(stranger, "refundWithSignature", [
      config,
      100n,
      1n,
      await signRefundBy(receiverAuthorizer, config, 1n, 100n),
    ]);
    expect(events(noop)).toHaveLength(0);
    expect(await usdcBalance(payer.address)).toBe(payerBefore);
    expect(await nonceOf(config)).toBe(2n);
  });

  it("closes a channel it empties while nothing was claimed, and the channel can be funded again", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    const receipt = await send(receiver, "refund", [config, 1000n]);
    expect(events(receipt, "ChannelClosed")[0]?.args).toMatchObject({ channelId: idOf(config) });
    expect(await channelOf(config)).toEqual({ balance: 0n, totalClaimed: 0n });
    const again = await deposit(config, 10n);
    expect(events(again, "ChannelCreated")).toHaveLength(1);
  });

  it("reduces a pending withdrawal by what it refunds, and cancels it when it covers it", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    await send(payer, "initiateWithdraw", [config, 600n]);
    const reduced = await send(receiver, "refund", [config, 200n]);
    expect(events(reduced, "WithdrawReduced")[0]?.args).toMatchObject({ amount: 400n });
    expect((await pendingOf(config)).amount).toBe(400n);
    const cancelled = await send(receiver, "refund", [config, 400n]);
    expect(events(cancelled, "WithdrawCancelled")).toHaveLength(1);
    expect(await pendingOf(config)).toEqual({ amount: 0n, initiatedAt: 0 });
  });
});

describe("timed withdrawal", () => {
  it("initiates up to the unclaimed escrow only, by the payer or its authorizer only", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    await send(receiver, "claim", [claimArgs([await row(config, 400n, 400n)])]);
    await expect(send(payer, "initiateWithdraw", [config, 601n])).rejects.toThrow(/WithdrawExceedsUnclaimed/);
    await expect(send(stranger, "initiateWithdraw", [config, 100n])).rejects.toThrow(/Unauthorized/);
    await expect(send(receiver, "initiateWithdraw", [config, 100n])).rejects.toThrow(/Unauthorized/);
    const receipt = await send(payerAuthorizer, "initiateWithdraw", [config, 600n]);
    const { timestamp } = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(events(receipt, "WithdrawInitiated")[0]?.args).toMatchObject({
      channelId: idOf(config),
      amount: 600n,
      finalizeAfter: Number(timestamp) + DELAY,
    });
    expect(await pendingOf(config)).toEqual({ amount: 600n, initiatedAt: Number(timestamp) });
  });

  it("finalizes only after the delay, lets the receiver claim meanwhile, and pays what is still unclaimed", async () => {
    await onSnapshot(async () => {
      const config = newConfig();
      await deposit(config, 1000n);
      await send(payer, "initiateWithdraw", [config, 1000n]);
      await expect(send(payer, "finalizeWithdraw", [config])).rejects.toThrow(/WithdrawDelayNotElapsed/);

      await advance(DELAY - 60);
      await expect(send(payer, "finalizeWithdraw", [config])).rejects.toThrow(/WithdrawDelayNotElapsed/);
      // The server claims during the delay.
      await claimWithSignature([await row(config, 300n, 300n)]);

      await advance(60);
      await expect(send(stranger, "finalizeWithdraw", [config])).rejects.toThrow(/Unauthorized/);
      const payerBefore = await usdcBalance(payer.address);
      const receipt = await send(payerAuthorizer, "finalizeWithdraw", [config]);
      expect(events(receipt, "WithdrawFinalized")[0]?.args).toMatchObject({ amount: 700n });
      expect(await usdcBalance(payer.address)).toBe(payerBefore + 700n);
      expect(await channelOf(config)).toEqual({ balance: 300n, totalClaimed: 300n });
      expect(await pendingOf(config)).toEqual({ amount: 0n, initiatedAt: 0 });
      // Claims now end at the reduced balance.
      await expect(claimWithSignature([await row(config, 1000n, 301n)])).rejects.toThrow(/ClaimExceedsBalance/);
      await expect(send(payer, "finalizeWithdraw", [config])).rejects.toThrow(/NoPendingWithdrawal/);
    });
  });

  it("closes a channel a withdrawal drains while nothing was claimed", async () => {
    await onSnapshot(async () => {
      const config = newConfig();
      await deposit(config, 1000n);
      await send(payer, "initiateWithdraw", [config, 1000n]);
      await advance(DELAY);
      const receipt = await send(payer, "finalizeWithdraw", [config]);
      expect(events(receipt, "ChannelClosed")).toHaveLength(1);
      expect(await channelOf(config)).toEqual({ balance: 0n, totalClaimed: 0n });
    });
  });
});

async function deployTestContract(artifact: ContractArtifact, args: readonly unknown[]): Promise<Address> {
  const hash = await walletOf(walletOwner).deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args });
  const { contractAddress } = await publicClient.waitForTransactionReceipt({ hash });
  if (!contractAddress) throw new Error(`${artifact.contractName} was not deployed`);
  return contractAddress;
}
const deploySmartWallet = () => deployTestContract(walletArtifact, [walletOwner.address]);

describe("a smart-wallet payer (EIP-1271, no payer authorizer)", () => {
  it("claims vouchers the wallet validates, refuses others, and lets only the wallet withdraw", async () => {
    await onSnapshot(async () => {
      const wallet = await deploySmartWallet();
      await fundLocalAccount(anvil.rpcUrl, wallet, { usdc: 5000n, eth: 0n });
      const config = newConfig({ payer: wallet, payerAuthorizer: "0x0000000000000000000000000000000000000000" });
      const asWallet = (functionName: string, args: readonly unknown[]) =>
        send(walletOwner, "execute", [settlement, encodeFunctionData({ abi: sdkAbi, functionName, args } as never)], wallet, walletAbi);

      // The wallet funds its channel as its own collector, inside its owner's execute.
      await asWallet("deposit", [config, 5000n, wallet, "0x"]);
      expect(await channelOf(config)).toEqual({ balance: 5000n, totalClaimed: 0n });

      // The owner key signs for the wallet (EIP-1271); any other key doesn't.
      await expect(send(receiver, "claim", [claimArgs([await row(config, 100n, 100n, stranger)])])).rejects.toThrow(
        /InvalidVoucherSignature/,
      );
      await send(receiver, "claim", [claimArgs([await row(config, 100n, 100n, walletOwner)])]);
      await claimWithSignature([await row(config, 250n, 250n, walletOwner)]);
      expect((await channelOf(config)).totalClaimed).toBe(250n);

      // With no payer authorizer only the payer itself starts and ends a withdrawal.
      await expect(send(walletOwner, "initiateWithdraw", [config, 100n])).rejects.toThrow(/Unauthorized/);
      await asWallet("initiateWithdraw", [config, 4750n]);
      await advance(DELAY);
      await asWallet("finalizeWithdraw", [config]);
      expect(await usdcBalance(wallet)).toBe(4750n);
    });
  });
});

describe("multicall", () => {
  it("runs a claim and a refund in one transaction, and reverts both if one fails", async () => {
    const config = newConfig();
    await deposit(config, 1000n);
    const rows = [await row(config, 400n, 400n)];
    const claimCall = encodeFunctionData({
      abi: sdkAbi,
      functionName: "claimWithSignature",
      args: [claimArgs(rows), await signClaimBatchBy(receiverAuthorizer, rows)],
    });
    const badRefund = encodeFunctionData({
      abi: sdkAbi,
      functionName: "refundWithSignature",
      args: [config, 600n, 5n, await signRefundBy(receiverAuthorizer, config, 5n, 600n)],
    });
    await expect(send(relayer, "multicall", [[claimCall, badRefund]])).rejects.toThrow(/InvalidRefundNonce/);
    expect(await channelOf(config)).toEqual({ balance: 1000n, totalClaimed: 0n });

    const refundCall = encodeFunctionData({
      abi: sdkAbi,
      functionName: "refundWithSignature",
      args: [config, 600n, 0n, await signRefundBy(receiverAuthorizer, config, 0n, 600n)],
    });
    const receipt = await send(relayer, "multicall", [[claimCall, refundCall]]);
    expect(events(receipt).map((e) => e.eventName)).toEqual(["Claimed", "Refunded"]);
    expect(await channelOf(config)).toEqual({ balance: 400n, totalClaimed: 400n });
  });
});

describe("gas", () => {
  it("measures deposit, claims of 1 and 10 channels, settle and refund in steady state", async () => {
    const payee = newAccount().address;
    const configs = Array.from({ length: 11 }, () => newConfig({ receiver: payee }));
    const deposits = [];
    for (const config of configs) deposits.push(await deposit(config, 1000n));
    gas.deposit = deposits.at(-1)!.gasUsed;
    gas.depositTopUp = (await deposit(configs[0]!, 1000n)).gasUsed;
    // The receiver's first claim creates its totals slot, its first settle its token balance: measure after them.
    await claimWithSignature([await row(configs[10]!, 1n, 1n)]);
    gas.settleFirst = (await send(stranger, "settle", [payee, usdc])).gasUsed;

    gas.claimWithSignature1 = (await claimWithSignature([await row(configs[0]!, 100n, 100n)])).gasUsed;
    const ten = await Promise.all(configs.slice(0, 10).map((c) => row(c, 200n, 200n)));
    gas.claimWithSignature10 = (await claimWithSignature(ten)).gasUsed;
    gas.claimDirect1 = (await send(receiverAuthorizer, "claim", [claimArgs([await row(configs[0]!, 300n, 300n)])])).gasUsed;
    gas.settle = (await send(stranger, "settle", [payee, usdc])).gasUsed;

    gas.refundWithSignature = (
      await send(stranger, "refundWithSignature", [configs[1]!, 100n, 0n, await signRefundBy(receiverAuthorizer, configs[1]!, 0n, 100n)])
    ).gasUsed;
    gas.refundDirect = (await send(receiverAuthorizer, "refund", [configs[2]!, 100n])).gasUsed;
    expect(Object.values(gas).every((used) => used > 0n)).toBe(true);
  });
});

describe("the official SDK against these contracts", () => {
  it("takes a deposit signed and encoded as a top-up is (lib/x402/shared/eip3009.ts): the SDK's typed data, nonce and collectorData bytes", async () => {
    const facilitatorAccount = newAccount();
    const client = newAccount();
    await fundLocalAccount(anvil.rpcUrl, facilitatorAccount.address, { usdc: 0n, eth: parseEther("10") });
    await fundLocalAccount(anvil.rpcUrl, client.address, { usdc: 10_000n, eth: 0n });
    const facilitator = new FacilitatorBatchScheme(localFacilitatorSigner(facilitatorAccount, anvil.rpcUrl), newAccount());
    const requirements: PaymentRequirements = {
      scheme: "batch-settlement",
      network: NETWORK,
      amount: "1000",
      asset: usdc,
      payTo: newAccount().address,
      maxTimeoutSeconds: 3600,
      extra: { ...facilitator.getExtra(NETWORK), withdrawDelay: DELAY, name: "USD Coin", version: "2" },
    };
    const signer = toClientEvmSigner(client, publicClient);
    const config = new ClientBatchScheme(signer, { storage: new InMemoryClientChannelStorage() }).buildChannelConfig(requirements);
    const { payload } = await createBatchSettlementEIP3009DepositPayload(signer, 2, requirements, config, "1000", "1000");
    const settled = await facilitator.settle({ x402Version: 2, accepted: requirements, payload }, requirements);
    expect(settled).toMatchObject({ success: true });

    const auth = (payload as { deposit: { authorization: { erc3009Authorization: { validAfter: string; validBefore: string; salt: Hex; signature: Hex } } } })
      .deposit.authorization.erc3009Authorization;
    const [validAfter, validBefore, salt] = [BigInt(auth.validAfter), BigInt(auth.validBefore), BigInt(auth.salt)];
    // ECDSA here is deterministic (RFC 6979): the same typed data and nonce give the SDK's very signature...
    const ours = await client.signTypedData({
      domain: usdcDomain(),
      ...receiveWithAuthorization,
      message: { from: client.address, to: collector, value: 1000n, validAfter, validBefore, nonce: erc3009DepositNonce(computeChannelId(config, NETWORK), salt) },
    });
    expect(ours).toBe(auth.signature);
    // ...and the same authorization encodes to the collectorData the SDK's facilitator sent.
    const sent = await publicClient.getTransaction({ hash: settled.transaction as Hex });
    const call = decodeFunctionData({ abi: sdkAbi, data: sent.input });
    expect(call.functionName).toBe("deposit");
    expect(encodeCollectorData({ validAfter, validBefore, salt, signature: ours })).toBe((call.args as readonly unknown[])[3]);
  });

  it("drives deposit, voucher, claim, settle and refund through the SDK's facilitator and client schemes", async () => {
    const facilitatorAccount = newAccount();
    const authorizer = newAccount();
    const client = newAccount();
    const payee = newAccount().address;
    await fundLocalAccount(anvil.rpcUrl, facilitatorAccount.address, { usdc: 0n, eth: parseEther("10") });
    await fundLocalAccount(anvil.rpcUrl, client.address, { usdc: 100_000n, eth: 0n });

    const facilitator = new FacilitatorBatchScheme(
      localFacilitatorSigner(facilitatorAccount, anvil.rpcUrl),
      authorizer,
    );
    const requirements: PaymentRequirements = {
      scheme: "batch-settlement",
      network: NETWORK,
      amount: "1000",
      asset: usdc,
      payTo: payee,
      maxTimeoutSeconds: 3600,
      extra: { ...facilitator.getExtra(NETWORK), withdrawDelay: DELAY, name: "USD Coin", version: "2" },
    };
    const storage = new InMemoryClientChannelStorage();
    const clientScheme = new ClientBatchScheme(toClientEvmSigner(client, publicClient), { storage });
    const envelope = (payload: Record<string, unknown>): PaymentPayload => ({
      x402Version: 2,
      accepted: requirements,
      payload,
    });

    // 1. Deposit (5x the request by default) with the first voucher.
    const first = await clientScheme.createPaymentPayload(2, requirements);
    expect(first.payload.type).toBe("deposit");
    const verified = await facilitator.verify(envelope(first.payload), requirements);
    expect(verified).toMatchObject({ isValid: true });
    const deposited = await facilitator.settle(envelope(first.payload), requirements);
    expect(deposited).toMatchObject({ success: true, amount: "5000" });
    const config = clientScheme.buildChannelConfig(requirements);
    const channelId = computeChannelId(config, NETWORK);
    expect(await channelOf(config)).toEqual({ balance: 5000n, totalClaimed: 0n });
    await updateChannelFromSettle(storage, {
      server: { chargedAmount: "700" },
      local: { channelId, requestAmount: "1000", depositAmount: "5000" },
    });

    // 2. A voucher on the open channel: cumulative 700 charged + 1000 ceiling.
    const second = await clientScheme.createPaymentPayload(2, requirements);
    expect(second.payload).toMatchObject({ type: "voucher", voucher: { maxClaimableAmount: "1700" } });
    expect(await facilitator.verify(envelope(second.payload), requirements)).toMatchObject({ isValid: true });
    const charged = 1500n; // 700 + 800 for the second request

    // 3. Claim what was charged, signed by the facilitator's receiver authorizer.
    const voucher = (second.payload as { voucher: { signature: Hex } }).voucher;
    const claimed = await facilitator.settle(
      envelope({
        type: "claim",
        claims: [
          { voucher: { channel: config, maxClaimableAmount: "1700" }, signature: voucher.signature, totalClaimed: charged.toString() },
        ],
      }),
      requirements,
    );
    expect(claimed).toMatchObject({ success: true });
    expect((await channelOf(config)).totalClaimed).toBe(charged);

    // 4. Settle sweeps it to the receiver.
    const settled = await facilitator.settle(envelope({ type: "settle", receiver: payee, token: usdc }), requirements);
    expect(settled).toMatchObject({ success: true, amount: charged.toString() });
    expect(await usdcBalance(payee)).toBe(charged);

    // 5. Cooperative refund of the rest, on the client's zero-charge voucher.
    const refundVoucher = await signVoucher(toClientEvmSigner(client, publicClient), channelId, charged.toString(), NETWORK);
    const refundPayload = {
      type: "refund",
      channelConfig: config,
      voucher: refundVoucher,
      amount: "3500",
      refundNonce: "0",
      claims: [],
    };
    expect(await facilitator.verify(envelope(refundPayload), requirements)).toMatchObject({ isValid: true });
    const clientBefore = await usdcBalance(client.address);
    const refunded = await facilitator.settle(envelope(refundPayload), requirements);
    expect(refunded).toMatchObject({ success: true, amount: "3500" });
    expect(await usdcBalance(client.address)).toBe(clientBefore + 3500n);
    expect(await channelOf(config)).toEqual({ balance: charged, totalClaimed: charged });
    expect(await nonceOf(config)).toBe(1n);
  });
});
