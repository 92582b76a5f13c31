/** The local dev chain: start anvil, put our contracts on it, fund accounts; or make it a stand-in for a Base network. */
export { pickFreePort, startAnvil, type Anvil, type AnvilOptions } from "./anvil";
export {
  ensureLocalContracts,
  fundLocalAccount,
  parseContractArtifact,
  type ContractArtifact,
  type FundAmounts,
  type FundTarget,
  type Funding,
  type LocalDeployment,
} from "./deploy";
export {
  ensureStandInContracts,
  isStandInKey,
  standInToken,
  STAND_IN_KEYS,
  type StandInDeployment,
  type StandInKey,
} from "./stand-in";
