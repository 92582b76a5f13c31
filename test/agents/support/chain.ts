import { ensureLocalContracts, startAnvil, type Anvil } from "@/lib/devchain";

/**
 * A fresh anvil with our contracts, made the local network's RPC (LOCAL_RPC_URL is read per call, so tools
 * built afterwards read this chain).
 */
export async function startTestChain(): Promise<Anvil> {
  const anvil = await startAnvil({ port: 0, silent: true });
  await ensureLocalContracts(anvil.rpcUrl);
  process.env.LOCAL_RPC_URL = anvil.rpcUrl;
  return anvil;
}
