/**
 * x402's batch-settlement contracts on the local chain: x402BatchSettlement and its ERC-3009 deposit collector,
 * written in contracts/src from the scheme's specification. They hold no constructor state, so their runtime code
 * is set directly at the canonical addresses the @x402/evm SDK calls on every chain, the way Multicall3 is.
 */
import { createPublicClient, createTestClient, http, type Address, type Hex } from "viem";
import { foundry } from "viem/chains";
import collectorJson from "../../contracts/artifacts/ERC3009DepositCollector.json" with { type: "json" };
import settlementJson from "../../contracts/artifacts/x402BatchSettlement.json" with { type: "json" };
import deploymentJson from "../chains/local-deployment.json" with { type: "json" };
import { parseContractArtifact, type ContractArtifact } from "./deploy";

/** The part of lib/chains/local-deployment.json about batch settlement. */
export interface BatchSettlementDeployment {
  batchSettlement: Address;
  erc3009DepositCollector: Address;
}

const deployment = deploymentJson as BatchSettlementDeployment;

let artifacts: { settlement: ContractArtifact; collector: ContractArtifact } | undefined;
/** Parsed on first use: deploy.ts imports this module, so its schema isn't initialised while this one loads. */
export function batchSettlementArtifacts(): { settlement: ContractArtifact; collector: ContractArtifact } {
  artifacts ??= { settlement: parseContractArtifact(settlementJson), collector: parseContractArtifact(collectorJson) };
  return artifacts;
}

/** Sets the contracts' code at their addresses unless it is there already; returns the addresses. */
export async function installBatchSettlement(rpcUrl: string): Promise<BatchSettlementDeployment> {
  const options = { chain: foundry, transport: http(rpcUrl), pollingInterval: 50 };
  const publicClient = createPublicClient(options);
  const testClient = createTestClient({ ...options, mode: "anvil" });
  const install = async (address: Address, bytecode: Hex) => {
    const code = await publicClient.getCode({ address });
    if (code?.toLowerCase() !== bytecode.toLowerCase()) await testClient.setCode({ address, bytecode });
  };
  const { settlement, collector } = batchSettlementArtifacts();
  await install(deployment.batchSettlement, settlement.deployedBytecode);
  await install(deployment.erc3009DepositCollector, collector.deployedBytecode);
  return { batchSettlement: deployment.batchSettlement, erc3009DepositCollector: deployment.erc3009DepositCollector };
}
