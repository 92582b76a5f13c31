/**
 * The official x402 stack the bench compares ours against: a resource server whose facilitator is the SDK's own
 * (`x402Facilitator` with @x402/evm's exact scheme and a viem wallet as its signer), in this process, from a key of
 * its own. It settles each payment as one transferWithAuthorization transaction and waits for that receipt, as the
 * SDK does; @x402/next's withX402 (ttft.ts) runs on it. Ours (lib/x402/facilitator) batches and is not used here.
 */
import { x402Facilitator } from "@x402/core/facilitator";
import { x402ResourceServer } from "@x402/core/server";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { ExactEvmScheme as ExactEvmFacilitatorScheme } from "@x402/evm/exact/facilitator";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { createWalletClient, http, parseEther, publicActions } from "viem";
import { generatePrivateKey, nonceManager, privateKeyToAccount } from "viem/accounts";
import { NETWORKS, viemChainOf } from "../../chains/networks";
import { fundLocalAccount } from "../../devchain/deploy";
import { InProcessFacilitatorClient } from "../../x402/facilitator";

export async function officialResourceServer(rpcUrl: string): Promise<x402ResourceServer> {
  // viem's nonce manager: without it, payments settled at the same time would take the same nonce.
  const account = privateKeyToAccount(generatePrivateKey(), { nonceManager });
  await fundLocalAccount(rpcUrl, account.address, { usdc: 0n, eth: parseEther("10") });
  const network = NETWORKS.local;
  // Receipts polled as often as our facilitator polls them on the local chain, so neither is favoured.
  const client = createWalletClient({ account, chain: viemChainOf(network, rpcUrl), transport: http(rpcUrl), pollingInterval: 25 }).extend(publicActions);
  type Args<K extends keyof typeof client> = (typeof client)[K] extends (args: infer A) => unknown ? A : never;
  const signer = toFacilitatorEvmSigner({
    address: account.address,
    readContract: (args) => client.readContract(args as Args<"readContract">),
    verifyTypedData: (args) => client.verifyTypedData(args as Args<"verifyTypedData">),
    writeContract: (args) => client.writeContract(args as Args<"writeContract">),
    sendTransaction: (args) => client.sendTransaction(args as Args<"sendTransaction">),
    waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
    getCode: (args) => client.getCode(args),
  });
  const facilitator = new x402Facilitator().register(network.caip2, new ExactEvmFacilitatorScheme(signer));
  const server = new x402ResourceServer(new InProcessFacilitatorClient(facilitator));
  server.register(network.caip2, new ExactEvmScheme());
  await server.initialize();
  return server;
}
