import type { Metadata } from "next";
import Link from "next/link";
import { FacilitatorConsole } from "@/components/facilitator/FacilitatorConsole";
import { NetworkSelector } from "@/components/network/NetworkSelector";
import { WalletArea } from "@/components/wallet/WalletArea";

export const metadata: Metadata = { title: "Facilitator API keys · x402 Chat" };

export default function FacilitatorPage() {
  return (
    <div className="mx-auto flex min-h-screen max-w-5xl flex-col gap-4 p-4">
      <header className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <Link href="/" className="text-sm underline">
          ← Chat
        </Link>
        <h1 className="text-lg font-semibold max-sm:order-last max-sm:w-full">Our facilitator for your x402 server</h1>
        <div className="ml-auto flex items-center gap-2">
          <NetworkSelector />
          <WalletArea />
        </div>
      </header>
      <p className="max-w-2xl text-sm text-zinc-600 dark:text-zinc-400">
        Give your x402 middleware the facilitator URL of one of your keys: we verify and settle its payments, and pay the gas.
        A key settles payments to your own address only.
      </p>
      <FacilitatorConsole />
    </div>
  );
}
