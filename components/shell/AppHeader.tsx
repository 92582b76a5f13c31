import { NetworkSelector } from "@/components/network/NetworkSelector";
import { WalletArea } from "@/components/wallet/WalletArea";

export function AppHeader() {
  return (
    <header className="flex items-center justify-between gap-4 border-b border-zinc-200 px-4 py-3 dark:border-zinc-800">
      <div className="flex items-center gap-3">
        <span className="text-lg font-semibold tracking-tight">x402 Chat</span>
        <span className="hidden text-xs text-zinc-500 sm:inline">pay-per-message AI agents</span>
      </div>
      <div className="flex items-center gap-3">
        <NetworkSelector />
        <WalletArea />
      </div>
    </header>
  );
}
