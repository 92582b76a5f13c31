/** The local dev chain: start anvil, put our contracts on it, fund accounts. */
export { pickFreePort, startAnvil, type Anvil, type AnvilOptions } from "./anvil";
export {
  ensureLocalContracts,
  fundLocalAccount,
  parseContractArtifact,
  type ContractArtifact,
  type FundAmounts,
  type Funding,
  type LocalDeployment,
} from "./deploy";
