/**
 * This app's own ledger, as the journal asks it (GET and POST /api/payments/:nonce): the first without proof, the
 * second signed by the payer's unlocked key, since the reply is the payer's alone.
 */
import type { Address, Hex, LocalAccount } from "viem";
import { networkByChainId } from "@/lib/chains/networks";
import { errorCodeOfBody } from "@/lib/errors";
import { REPLY_ACCESS_TYPES, replyAccessDomain, type KeptPayment, type ReplyAccessRequest } from "@/lib/x402/shared/reply-access";
import type { JournalEntry } from "./journal";
import type { JournalServer } from "./journal-resolve";

/** How long a signed reply request stays usable. */
const ACCESS_SECONDS = 120;

/** `signer(chainId)`: the account that may sign for the entry's payer now (an unlocked local key), or null. */
export function appJournalServer(signer: (chainId: number) => Pick<LocalAccount, "address" | "signTypedData"> | null, base = ""): JournalServer {
  const where = (entry: JournalEntry) => {
    const network = networkByChainId(entry.chainId);
    if (!network) throw new Error(`unknown chain ${entry.chainId}`);
    return { network: network.caip2, asset: entry.authorization.asset, payer: entry.authorization.payer };
  };
  return {
    async lookUp(entry) {
      const res = await fetch(`${base}/api/payments/${entry.nonce}?${new URLSearchParams(where(entry))}`, { cache: "no-store" });
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`the ledger answered HTTP ${res.status}`);
      return (await res.json()) as KeptPayment;
    },
    async fetchReply(entry) {
      const account = signer(entry.chainId);
      if (!account || account.address.toLowerCase() !== entry.authorization.payer.toLowerCase()) return null;
      const expires = BigInt(Math.floor(Date.now() / 1000) + ACCESS_SECONDS);
      const signature = await account.signTypedData({
        domain: replyAccessDomain(entry.chainId),
        types: REPLY_ACCESS_TYPES,
        primaryType: "ReadReply",
        message: { payer: entry.authorization.payer as Address, nonce: entry.nonce as Hex, expires },
      });
      const body: ReplyAccessRequest = { ...where(entry), expires: expires.toString(), signature };
      const res = await fetch(`${base}/api/payments/${entry.nonce}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        cache: "no-store",
      });
      if (res.ok) return (await res.json()) as KeptPayment;
      const text = await res.text();
      if (res.status === 404) return "not-kept";
      throw new Error(`the ledger answered HTTP ${res.status} (${errorCodeOfBody(text) ?? "no code"})`);
    },
  };
}
