/**
 * Puts our contracts on a local anvil chain at the addresses in lib/chains/local-deployment.json, and
 * funds accounts there. Safe to call on every start: it only deploys what is missing.
 */
import {
  concat,
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeDeployData,
  getContractAddress,
  http,
  isAddressEqual,
  isHex,
  parseAbi,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { z } from "zod";
import localUsdcJson from "../../contracts/artifacts/LocalUSDC.json" with { type: "json" };
import multicall3Json from "../../contracts/artifacts/Multicall3.json" with { type: "json" };
import priceFeedJson from "../../contracts/artifacts/PriceFeed.json" with { type: "json" };
import deploymentJson from "../chains/local-deployment.json" with { type: "json" };
import { installBatchSettlement } from "./batch-settlement";

const HexSchema = z.custom<Hex>((value) => typeof value === "string" && isHex(value), "must be 0x-prefixed hex");
/** Each ABI entry names its kind; what a kind holds is viem's to read. */
const AbiEntries = z.array(
  z.object({ type: z.enum(["function", "event", "error", "constructor", "fallback", "receive"]) }).passthrough(),
);
const AbiSchema = z.custom<Abi>((value) => AbiEntries.safeParse(value).success, "must be an array of ABI entries");

/** The shape of contracts/artifacts/<Name>.json, as written by scripts/compile-contracts.ts. */
const ContractArtifactSchema = z.object({
  contractName: z.string().min(1),
  abi: AbiSchema,
  bytecode: HexSchema,
  deployedBytecode: HexSchema,
});
export type ContractArtifact = z.infer<typeof ContractArtifactSchema>;

/** A compiled artifact read from JSON; a damaged one throws, naming the field. */
export function parseContractArtifact(json: unknown): ContractArtifact {
  return ContractArtifactSchema.parse(json);
}

/** Where the local chain's contracts live: the shape of lib/chains/local-deployment.json. */
export interface LocalDeployment {
  chainId: number;
  create2Factory: Address;
  salt: Hex;
  owner: Address;
  usdc: Address;
  priceFeed: Address;
  multicall3: Address;
  /** The feed's first answer (8 decimals) as a decimal string, since JSON has no bigint. */
  initialEthUsdPrice: string;
}

export interface FundAmounts {
  /** Atomic units (6 decimals). */
  usdc: bigint;
  /** Wei. */
  eth: bigint;
}

/** Transaction hashes of a funding, null for a part that was zero. */
export interface Funding {
  usdcTx: Hex | null;
  ethTx: Hex | null;
}

const deployment = deploymentJson as LocalDeployment;
const artifacts = {
  usdc: parseContractArtifact(localUsdcJson),
  priceFeed: parseContractArtifact(priceFeedJson),
  multicall3: parseContractArtifact(multicall3Json),
};

/**
 * Anvil's default account #0, the owner in local-deployment.json. Its key is public knowledge (anvil prints
 * it), which is fine for a chain that only runs on this machine.
 */
const owner = privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");

const mintAbi = parseAbi(["function mint(address to, uint256 amount)"]);

/** Clients for the chain at rpcUrl; chainId is the local chain's unless a stand-in's (lib/devchain/stand-in.ts). */
export function clients(rpcUrl: string, chainId: number = deployment.chainId) {
  // Anvil mines each transaction at once, so receipts can be polled far faster than viem's 4 s default.
  const transport = http(rpcUrl);
  const options = { chain: { ...foundry, id: chainId }, transport, pollingInterval: 50 };
  return {
    publicClient: createPublicClient(options),
    testClient: createTestClient({ ...options, mode: "anvil" }),
    walletClient: createWalletClient({ ...options, account: owner }),
  };
}
export type Clients = ReturnType<typeof clients>;

/** One owner transaction at a time per chain: concurrent callers (faucet requests) would pick the same nonce. */
const ownerQueues = new Map<string, Promise<unknown>>();
function asOwner<T>(rpcUrl: string, task: () => Promise<T>): Promise<T> {
  const run = (ownerQueues.get(rpcUrl) ?? Promise.resolve()).then(task);
  ownerQueues.set(rpcUrl, run.catch(() => undefined));
  return run;
}

/**
 * Makes sure Multicall3, LocalUSDC and the ETH/USD feed are at their addresses with this build's code, and
 * returns the addresses. Deploys only what is missing; throws if a saved chain state holds other code.
 */
export async function ensureLocalContracts(rpcUrl: string): Promise<LocalDeployment> {
  const c = clients(rpcUrl);
  const chainId = await c.publicClient.getChainId();
  if (chainId !== deployment.chainId) {
    throw new Error(`the chain at ${rpcUrl} has id ${chainId}; the local deployment is for ${deployment.chainId}`);
  }
  await installMulticall3(c);
  await installBatchSettlement(rpcUrl);
  if (!(await c.publicClient.getCode({ address: deployment.create2Factory }))) {
    throw new Error(`no CREATE2 factory at ${deployment.create2Factory}: was anvil started with --no-create2?`);
  }
  await asOwner(rpcUrl, async () => {
    await deployIfAbsent(c, rpcUrl, artifacts.usdc, deployment.usdc, [deployment.owner]);
    await deployIfAbsent(c, rpcUrl, artifacts.priceFeed, deployment.priceFeed, [
      deployment.owner,
      BigInt(deployment.initialEthUsdPrice),
    ]);
  });
  return deployment;
}

/** Multicall3 has no constructor state, so its runtime code can be set directly at the canonical address. */
export async function installMulticall3({ publicClient, testClient }: Clients): Promise<void> {
  const code = await publicClient.getCode({ address: deployment.multicall3 });
  if (!sameCode(code, artifacts.multicall3.deployedBytecode)) {
    await testClient.setCode({ address: deployment.multicall3, bytecode: artifacts.multicall3.deployedBytecode });
  }
}

async function deployIfAbsent(
  { publicClient, walletClient }: Clients,
  rpcUrl: string,
  artifact: ContractArtifact,
  address: Address,
  args: readonly unknown[],
): Promise<void> {
  let code = await publicClient.getCode({ address });
  if (!code) {
    const initCode = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args });
    const from = deployment.create2Factory;
    if (!isAddressEqual(getContractAddress({ opcode: "CREATE2", from, salt: deployment.salt, bytecode: initCode }), address)) {
      throw new Error(
        `${artifact.contractName}: contracts/artifacts and lib/chains/local-deployment.json disagree; ` +
          "run `npx tsx scripts/compile-contracts.ts`",
      );
    }
    // The factory takes salt ++ initcode as calldata and CREATE2s it.
    const hash = await walletClient.sendTransaction({ to: from, data: concat([deployment.salt, initCode]) });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`deploying ${artifact.contractName} reverted (tx ${hash})`);
    code = await publicClient.getCode({ address });
  }
  // The contracts have no immutables, so the code on chain must equal the artifact's byte for byte.
  if (!sameCode(code, artifact.deployedBytecode)) {
    throw new Error(
      `the chain at ${rpcUrl} has other code at ${address} than contracts/artifacts/${artifact.contractName}.json ` +
        "(its saved state predates a contract change): stop the chain and run `npx tsx scripts/chain.ts reset`",
    );
  }
}

export function sameCode(code: Hex | undefined, expected: Hex): boolean {
  return code?.toLowerCase() === expected.toLowerCase();
}

/** Which chain and token a funding is on: the local chain's by default, or a stand-in's (its USDC is ours too). */
export interface FundTarget {
  chainId: number;
  usdc: Address;
}

/** Mints USDC (as the token's owner) and sends ETH (from account #0) to address. */
export async function fundLocalAccount(
  rpcUrl: string,
  address: Address,
  amounts: FundAmounts,
  target: FundTarget = deployment,
): Promise<Funding> {
  const { publicClient, walletClient } = clients(rpcUrl, target.chainId);
  // A call to an address without code succeeds and does nothing: fail loudly instead.
  if (amounts.usdc > 0n && !(await publicClient.getCode({ address: target.usdc }))) {
    throw new Error(`LocalUSDC is not deployed at ${target.usdc}: call ensureLocalContracts first`);
  }
  return asOwner(rpcUrl, async () => {
    const usdcTx =
      amounts.usdc > 0n
        ? await walletClient.writeContract({
            address: target.usdc,
            abi: mintAbi,
            functionName: "mint",
            args: [address, amounts.usdc],
          })
        : null;
    const ethTx = amounts.eth > 0n ? await walletClient.sendTransaction({ to: address, value: amounts.eth }) : null;
    for (const hash of [usdcTx, ethTx]) {
      if (hash === null) continue;
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`funding ${address} failed (tx ${hash})`);
    }
    return { usdcTx, ethTx };
  });
}
