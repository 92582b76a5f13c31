import { toFacilitatorEvmSigner } from "@x402/evm";
import { createWalletClient, http, publicActions } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { foundry } from "viem/chains";

/** The SDK's facilitator signer for a key on a local anvil chain: what a test's own facilitator sends from. */
export function localFacilitatorSigner(account: PrivateKeyAccount, rpcUrl: string) {
  // anvil mines at once: poll receipts often, not every 4 s.
  const client = createWalletClient({ account, chain: foundry, transport: http(rpcUrl), pollingInterval: 50 }).extend(publicActions);
  return toFacilitatorEvmSigner({
    address: account.address,
    readContract: (args) => client.readContract(args as Parameters<typeof client.readContract>[0]),
    verifyTypedData: (args) => client.verifyTypedData(args as Parameters<typeof client.verifyTypedData>[0]),
    writeContract: (args) => client.writeContract(args as Parameters<typeof client.writeContract>[0]),
    sendTransaction: (args) => client.sendTransaction(args),
    waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
    getCode: (args) => client.getCode(args),
  });
}
