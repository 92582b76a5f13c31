/**
 * Compiles contracts/src/*.sol with solc-js (offline) into contracts/artifacts/<Name>.json (and the test-only
 * contracts/test/*.sol into contracts/artifacts/test/<Name>.json), and writes
 * lib/chains/local-deployment.json: where the local chain's contracts live. The addresses are CREATE2
 * addresses, so they follow from the bytecode alone and the app can ship them before any chain runs.
 * Deterministic: the same sources give byte-identical files, so the outputs are committed.
 *
 *   npx tsx scripts/compile-contracts.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import solc from "solc";
import {
  encodeDeployData,
  getContractAddress,
  keccak256,
  stringToHex,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import type { BatchSettlementDeployment } from "../lib/devchain/batch-settlement";
import type { ContractArtifact, LocalDeployment } from "../lib/devchain/deploy";

const root = path.resolve(import.meta.dirname, "..");
const CONTRACTS = [
  "LocalUSDC",
  "Multicall3",
  "PriceFeed",
  "x402BatchSettlement",
  "ERC3009DepositCollector",
] as const;
type ContractName = (typeof CONTRACTS)[number];
/** Compiled for tests only, never placed on the dev chain. */
const TEST_CONTRACTS = ["TestSmartWallet", "ReentrantCollector"] as const;
type TestContractName = (typeof TEST_CONTRACTS)[number];
const sourceKey = (name: ContractName | TestContractName): string =>
  (TEST_CONTRACTS as readonly string[]).includes(name) ? `contracts/test/${name}.sol` : `contracts/src/${name}.sol`;

/**
 * LocalUSDC with another EIP-712 name, for the Base Sepolia stand-in (lib/devchain/stand-in.ts), whose USDC signs as
 * "USDC" where Base's and ours sign as "USD Coin". Compiled from LocalUSDC.sol with only its name constant changed,
 * so the two cannot drift; the name is a constant (no immutables, see LocalUSDC.sol), hence a variant, not storage.
 */
const NAME_VARIANTS = [{ artifact: "LocalUSDC.USDC", name: "USDC" }] as const;
const LOCAL_USDC_NAME = 'string public constant name = "USD Coin";';
const variantKey = (artifact: string) => `contracts/variants/${artifact}.sol`;
function variantSource(name: string): string {
  const source = readFileSync(path.join(root, sourceKey("LocalUSDC")), "utf8");
  if (!source.includes(LOCAL_USDC_NAME)) throw new Error(`LocalUSDC.sol no longer declares \`${LOCAL_USDC_NAME}\``);
  return source.replace(LOCAL_USDC_NAME, `string public constant name = ${JSON.stringify(name)};`);
}

/** The deterministic-deployment proxy that anvil has at genesis (also on most public chains). */
const CREATE2_FACTORY: Address = "0x4e59b44847b379578588920cA78FbF26c0B4956C";
/** Anvil's default account #0: its key is public, which is fine for a chain that only ever runs locally. */
const OWNER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const SALT: Hex = keccak256(stringToHex("x402-chat/local-devchain"));
const MULTICALL3: Address = "0xcA11bde05977b3631167028862bE2a173976CA11";
/** The canonical addresses of x402's batch-settlement contracts (the SDK's BATCH_SETTLEMENT_ADDRESS and
 *  ERC3009_DEPOSIT_COLLECTOR_ADDRESS); the collector's source names the first as a constant too. */
const BATCH_SETTLEMENT: Address = "0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003";
const ERC3009_DEPOSIT_COLLECTOR: Address = "0x4020806089470a89826cB9fB1f4059150b550004";
const INITIAL_ETH_USD_PRICE = 3000_00000000n; // 8 decimals
const LOCAL_CHAIN_ID = 31337;

interface SolcOutput {
  errors?: { severity: "error" | "warning" | "info"; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

function compile(): { artifacts: Record<ContractName | TestContractName, ContractArtifact>; variants: ContractArtifact[] } {
  const sources = Object.fromEntries([
    ...[...CONTRACTS, ...TEST_CONTRACTS].map((name) => {
      // Source keys are repo-relative so the metadata hash (part of the bytecode) is the same on every machine.
      const key = sourceKey(name);
      return [key, { content: readFileSync(path.join(root, key), "utf8") }];
    }),
    ...NAME_VARIANTS.map((variant) => [variantKey(variant.artifact), { content: variantSource(variant.name) }]),
  ]);
  const input = {
    language: "Solidity",
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;

  const problems = output.errors ?? [];
  for (const problem of problems.filter((p) => p.severity !== "error")) console.warn(problem.formattedMessage);
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));

  const artifactOf = (key: string, contract: string, contractName: string): ContractArtifact => {
    const compiled = output.contracts?.[key]?.[contract];
    if (!compiled) throw new Error(`solc produced no output for ${contractName}`);
    return {
      contractName,
      abi: compiled.abi,
      bytecode: `0x${compiled.evm.bytecode.object}`,
      deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
    };
  };
  const artifacts = {} as Record<ContractName | TestContractName, ContractArtifact>;
  for (const name of [...CONTRACTS, ...TEST_CONTRACTS]) artifacts[name] = artifactOf(sourceKey(name), name, name);
  const variants = NAME_VARIANTS.map((v) => artifactOf(variantKey(v.artifact), "LocalUSDC", v.artifact));
  return { artifacts, variants };
}

function create2Address(artifact: ContractArtifact, args: readonly unknown[]): Address {
  const bytecode = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args });
  return getContractAddress({ opcode: "CREATE2", from: CREATE2_FACTORY, salt: SALT, bytecode });
}

function writeJson(relativePath: string, value: unknown): void {
  const file = path.join(root, relativePath);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  console.log(`wrote ${relativePath}`);
}

const { artifacts, variants } = compile();
for (const name of CONTRACTS) writeJson(`contracts/artifacts/${name}.json`, artifacts[name]);
for (const variant of variants) writeJson(`contracts/artifacts/${variant.contractName}.json`, variant);
for (const name of TEST_CONTRACTS) writeJson(`contracts/artifacts/test/${name}.json`, artifacts[name]);

const deployment: LocalDeployment & BatchSettlementDeployment = {
  chainId: LOCAL_CHAIN_ID,
  create2Factory: CREATE2_FACTORY,
  salt: SALT,
  owner: OWNER,
  usdc: create2Address(artifacts.LocalUSDC, [OWNER]),
  priceFeed: create2Address(artifacts.PriceFeed, [OWNER, INITIAL_ETH_USD_PRICE]),
  multicall3: MULTICALL3,
  // Placed with anvil_setCode at the addresses the x402 SDK uses on every chain (they have no constructor state).
  batchSettlement: BATCH_SETTLEMENT,
  erc3009DepositCollector: ERC3009_DEPOSIT_COLLECTOR,
  initialEthUsdPrice: INITIAL_ETH_USD_PRICE.toString(),
};
writeJson("lib/chains/local-deployment.json", deployment);
