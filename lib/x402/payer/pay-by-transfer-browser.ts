/**
 * The chat's side of pay-by-transfer (browser only): the local wallet's key signs the transfer, the app's relay
 * reads the chain and its send route broadcasts the signed bytes (the server signs and pays nothing), the transfer
 * journal lives in localStorage, the budgets count the transfer once it is mined, and the reply is shown with the
 * browser's own receipt (the transfer it sent and saw mined), which the history records like any other.
 */
import { createPublicClient, http, type Hex } from "viem";
import type { Network } from "@/lib/chains/networks";
import { asUIMessageStream } from "@/lib/remote-agents/reply-adapter";
import { walletSession } from "@/lib/wallet/session";
import type { ChatAgent } from "./chat-agent";
import { holdEntry, releaseEntry } from "./journal-lock";
import { closeTransfer, createTransferPayingFetch, localTransferWallet, openTransfer, transferChain, transferReceipt, type TransferReader } from "./pay-by-transfer";
import { PaymentStopped, type ApprovalRequest } from "./paying-fetch";
import { readPolicy, readSpent, recordSpend } from "./policy";

async function broadcast(network: Network, serialized: Hex): Promise<void> {
  const res = await fetch(`/api/rpc/${network.chainId}/send`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ transaction: serialized }),
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new PaymentStopped("not_payable", `Your transfer could not be sent: ${body?.error?.message ?? `HTTP ${res.status}`}; nothing was paid.`);
  }
}

export function createBrowserTransferFetch(
  agent: ChatAgent,
  network: Network,
  ask: (request: ApprovalRequest) => Promise<boolean>,
  sending: () => { conversationId: string; messageId: string } | null,
): typeof fetch {
  const reader = createPublicClient({ transport: http(`${window.location.origin}/api/rpc/${network.chainId}`, { retryCount: 1 }) }) as unknown as TransferReader;
  const stores = () => ({ local: window.localStorage, session: window.sessionStorage });
  const payingFetch = createTransferPayingFetch({
    network,
    wallet: () => {
      const account = walletSession.account(network.chainId);
      return account ? localTransferWallet(account, reader, (serialized) => broadcast(network, serialized)) : null;
    },
    chain: transferChain(reader, network),
    shownPrice: () => agent.shown,
    policy: () => ({ policy: readPolicy(window.localStorage), spent: readSpent(stores(), network.chainId) }),
    approve: ask,
    onSigned: (entry) => {
      openTransfer(window.localStorage, entry);
      // This page proves it: a recovery pass (another tab, transfer-recovery.ts) leaves it alone until then.
      holdEntry(entry.hash);
    },
    onTransferred: (entry) => {
      recordSpend(stores(), network.chainId, BigInt(entry.amount));
      walletSession.touch();
    },
    onProven: (entry) => closeTransfer(window.localStorage, network.chainId, entry.hash),
    context: () => ({ agentName: agent.name, conversationId: sending()?.conversationId ?? null, messageId: sending()?.messageId ?? null }),
  });
  return async (input, init) => {
    const res = await payingFetch(input, init).finally(() => {
      const sent = payingFetch.last();
      if (sent) releaseEntry(sent.hash);
    });
    const entry = payingFetch.last();
    const paid = entry ? { amount: BigInt(entry.amount), payTo: entry.payTo, asset: entry.asset } : null;
    return asUIMessageStream(res, paid, entry?.mined === "success" ? transferReceipt(entry, network) : null);
  };
}
