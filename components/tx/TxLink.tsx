import Link from "next/link";
import type { Network } from "@/lib/chains/networks";
import { txLinkOf } from "@/lib/chains/tx-link";

/**
 * A transaction hash, linked where it can be seen: the app's own view on the local chain (a client-side
 * navigation, so an unlocked wallet stays unlocked), the explorer in a new tab elsewhere; plain text otherwise.
 */
export function TxLink({ network, hash, testId }: { network: Network | undefined; hash: string; testId?: string }) {
  const link = network ? txLinkOf(network, hash) : null;
  if (!link) return <span data-testid={testId}>{hash}</span>;
  if (link.external) {
    return (
      <a data-testid={testId} href={link.href} target="_blank" rel="noreferrer" className="underline">
        {hash}
      </a>
    );
  }
  return (
    <Link data-testid={testId} href={link.href} className="underline">
      {hash}
    </Link>
  );
}
