import type { Metadata } from "next";
import Link from "next/link";
import { HistoryView } from "@/components/history/HistoryView";
import { NetworkSelector } from "@/components/network/NetworkSelector";

export const metadata: Metadata = { title: "Payment history · x402 Chat" };

export default function HistoryPage() {
  return (
    <div className="mx-auto flex min-h-screen max-w-5xl flex-col gap-4 p-4">
      <header className="flex items-center justify-between gap-4">
        <div className="flex items-center gap-3">
          <Link href="/" className="text-sm underline">
            ← Chat
          </Link>
          <h1 className="text-lg font-semibold">Payment history and usage</h1>
        </div>
        <NetworkSelector />
      </header>
      <HistoryView />
    </div>
  );
}
