import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { TxView } from "@/components/tx/TxView";
import { NETWORKS } from "@/lib/chains/networks";
import { isTxHash } from "@/lib/chains/tx-link";

export const metadata: Metadata = { title: "Transaction · x402 Chat" };

/** The local chain's transactions, which no explorer shows (see txLinkOf); other networks link to theirs. */
export default async function TransactionPage({ params }: { params: Promise<{ hash: string }> }) {
  const { hash } = await params;
  if (!isTxHash(hash)) notFound();
  const network = NETWORKS.local;
  return (
    <div className="mx-auto flex min-h-screen max-w-3xl flex-col gap-4 p-4">
      <header className="flex flex-wrap items-center gap-x-4 gap-y-1">
        <Link href="/" className="text-sm underline">
          ← Chat
        </Link>
        <Link href="/history" className="text-sm underline">
          Payment history
        </Link>
        <h1 className="text-lg font-semibold">Transaction on {network.name}</h1>
      </header>
      <main>
        <TxView network={network} hash={hash} />
      </main>
    </div>
  );
}
