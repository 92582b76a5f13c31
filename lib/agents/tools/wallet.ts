import "server-only";
import { NETWORKS, type NetworkKey } from "@/lib/chains/networks";
import { getBalancesTool } from "./get-balances";
import { getTransactionTool } from "./get-transaction";

/** Read-only wallet lookups on the agent's network: ETH and USDC balances, and transactions. */
export function walletTools({ network }: { network: NetworkKey }) {
  const on = NETWORKS[network];
  return { getBalances: getBalancesTool(on), getTransaction: getTransactionTool(on) };
}
