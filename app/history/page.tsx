import type { Metadata } from "next";
import Link from "next/link";
import { HistoryView } from "@/components/history/HistoryView";
import { NetworkSelector } from "@/components/network/NetworkSelector";

export const metadata: Metadata = { title: "Payment history · x402 Chat" };

export default function HistoryPage() {
  return (
    <div className="mx-auto flex min-h-screen max-w-5xl flex-col gap-4 p-4">
      {/* On a phone the title takes its own line under the way back and the network, instead of wrapping word by word. */}
      <header className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <Link href="/" className="text-sm underline">
          ← Chat
        </Link>
        <h1 className="text-lg font-semibold max-sm:order-last max-sm:w-full">Payment history and usage</h1>
        <div className="ml-auto">
          <NetworkSelector />
        </div>
      </header>
      <HistoryView />
    </div>
  );
}
