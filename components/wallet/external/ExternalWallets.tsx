"use client";

// This module and everything it imports (wagmi, RainbowKit, wallet SDKs) load only when the user opens
// "Connect external wallet": they are most of a wallet app's JavaScript and the chat does not need them.
import "@rainbow-me/rainbowkit/styles.css";
import { ConnectButton, RainbowKitProvider } from "@rainbow-me/rainbowkit";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import type { Address } from "viem";
import { WagmiContext } from "wagmi";
import type { Network } from "@/lib/chains/networks";
import { sharedWagmiConfig } from "./config";
import { FundFromWallet } from "./FundFromWallet";

export default function ExternalWallets({ network, address }: { network: Network; address: Address }) {
  // Not WagmiProvider: it reconnects on every mount, which drops a connection whose connector does not
  // reconnect on its own (the panel remounts on each opening). The shared config reconnects once, when built.
  const config = sharedWagmiConfig();
  const [queryClient] = useState(() => new QueryClient());
  return (
    <WagmiContext.Provider value={config}>
      <QueryClientProvider client={queryClient}>
        <RainbowKitProvider initialChain={network.chainId} modalSize="compact">
          <div className="flex flex-col gap-2" data-testid="external-wallets">
            <p className="text-xs text-zinc-600 dark:text-zinc-400">
              Another wallet you own (MetaMask, Coinbase Wallet, …): fund this one from it, or pay with it.
            </p>
            <ConnectButton showBalance={false} chainStatus="none" accountStatus="address" />
            <FundFromWallet network={network} to={address} />
          </div>
        </RainbowKitProvider>
      </QueryClientProvider>
    </WagmiContext.Provider>
  );
}
