import type { Config } from "wagmi";
import { getAccount, getWalletClient, watchAccount, type GetAccountReturnType } from "wagmi/actions";
import { publishExternalWallet } from "@/lib/wallet/external-bridge";

/**
 * Publishes wagmi's connected wallet to the chat's bridge (lib/wallet/external-bridge), now and on every change,
 * so the chat can pay with it without importing wagmi. Returns the unwatch.
 */
export function bridgeExternalWallet(config: Config): () => void {
  const publish = (account: GetAccountReturnType<Config>) => {
    if (account.status !== "connected") return publishExternalWallet(null);
    const { address, chainId, connector } = account;
    publishExternalWallet({
      address,
      chainId,
      name: connector.name,
      client: async (forChain) => {
        // The bridge's signer checks the wallet's chain itself (with a message for the user); wagmi's own check
        // would throw its own error first. The account must still be one the connector has.
        const client = await getWalletClient(config, { account: address, connector, chainId: forChain, assertChainId: false });
        return {
          getChainId: () => client.getChainId(),
          signTypedData: (request) => client.signTypedData(request as Parameters<typeof client.signTypedData>[0]),
          signMessage: (request) => client.signMessage(request),
        };
      },
    });
  };
  publish(getAccount(config));
  return watchAccount(config, { onChange: publish });
}
