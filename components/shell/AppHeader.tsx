import Link from "next/link";
import { NetworkSelector } from "@/components/network/NetworkSelector";
import { WalletArea } from "@/components/wallet/WalletArea";

/** One line at every width (h-14, which the chat's height on a phone counts on): nothing here wraps. */
export function AppHeader() {
  return (
    <header className="flex h-14 shrink-0 items-center justify-between gap-2 border-b border-zinc-200 px-3 sm:px-4 dark:border-zinc-800">
      <div className="flex min-w-0 items-center gap-3">
        <Link href="/" className="whitespace-nowrap text-lg font-semibold tracking-tight">
          x402 Chat
        </Link>
        <span className="hidden truncate text-xs text-zinc-600 lg:inline dark:text-zinc-400">pay-per-message AI agents</span>
      </div>
      <div className="flex min-w-0 items-center gap-2 sm:gap-3 [&_label]:min-w-0 [&_select]:min-w-0 [&_select]:max-w-[8.5rem] sm:[&_select]:max-w-none">
        <NetworkSelector />
        <WalletArea />
      </div>
    </header>
  );
}
