"use client";

import { DefaultChatTransport } from "ai";
import { useState } from "react";
import type { Address } from "viem";
import type { Network } from "@/lib/chains/networks";
import { walletSession } from "@/lib/wallet/session";
import { createPayingFetch, PaymentStopped, type ApprovalRequest } from "@/lib/x402/payer/paying-fetch";
import { readPolicy, readSpent, recordSpend } from "@/lib/x402/payer/policy";
import { relayReader } from "@/lib/x402/payer/chain-reader";
import { confirmPayment } from "@/lib/x402/payer/receipt-check";
import { closeEntry, journalStore, openEntry, type JournalEntry } from "@/lib/x402/payer/journal";
import { holdEntry, releaseEntry } from "@/lib/x402/payer/journal-lock";
import { verifyReceipts, type PaidMessage } from "@/lib/x402/payer/receipt-stream";
import { asUIMessageStream } from "@/lib/remote-agents/reply-adapter";
import type { ChatMessage } from "@/lib/x402/shared/chat-message";
import { refuseStoppedReceivers, TabClient, TabStopped, type TabCharge } from "@/lib/x402/payer/tab-client";
import { tabCharged, tabDepositFailed, tabDepositSent } from "@/lib/x402/payer/tab-ledger";
import { tabStorage } from "@/lib/x402/payer/tab-store";
import type { ChatAgent } from "../../lib/x402/payer/chat-agent";
import { payingSigner, tabWallet } from "./paying-wallet";
import { closeTab as closeWith } from "./tab-actions";
import { tabReceipts } from "./tab-stream";
import { createBrowserTransferFetch } from "@/lib/x402/payer/pay-by-transfer-browser";

async function usdcBalance(network: Network, address: Address): Promise<bigint> {
  const res = await fetch(`/api/wallet/balances?chainId=${network.chainId}&address=${address}`, { cache: "no-store" });
  if (!res.ok) throw new PaymentStopped("not_payable", `Could not read your balance on ${network.name} (HTTP ${res.status}); nothing was paid.`);
  return BigInt(((await res.json()) as { usdc: string }).usdc);
}

/** The user's choice for this agent: null until they open a tab (every message then pays `exact`, as always). */
export interface TabChoice {
  /** The deposit the user chose (atomic), or undefined for the proposed one. */
  amount?: bigint;
}

/**
 * The chat transport for one agent on one network: posts through the paying
 * fetch, which pays with the chosen wallet within the user's policy, asking
 * the user (`ask`) where the policy or the quote says to.
 */
function createPayingTransport(agent: ChatAgent, network: Network, ask: (request: ApprovalRequest) => Promise<boolean>) {
  const stops = { last: null as PaymentStopped | null };
  const paid = { last: null as PaidMessage | null };
  /** The journal entry of the request in flight; `lost`: its request failed in the network, its fate unknown here. */
  const signed = { last: null as JournalEntry | null, lost: false };
  let sending: { conversationId: string; messageId: string } | null = null;
  const chain = () => relayReader(network.chainId);
  const stores = () => ({ local: window.localStorage, session: window.sessionStorage });
  // The tab, once the user chose to open one: its client per paying wallet (the session key is the wallet's).
  const tab = { choice: null as TabChoice | null, client: null as TabClient | null, payer: "", charge: null as TabCharge | null, onCharge: null as ((charge: TabCharge) => void) | null };
  const tabAgent = () => ({ agentId: agent.ref.kind === "catalog" ? agent.ref.id : agent.ref.url, agentName: agent.name, ...(sending && { conversationId: sending.conversationId }) });
  const tabClient = (): TabClient => {
    const wallet = tabWallet(network);
    if (tab.client && tab.payer === wallet.address) return tab.client;
    tab.payer = wallet.address;
    tab.client = new TabClient({
      network,
      wallet,
      storage: tabStorage(network.chainId),
      policy: () => ({ policy: readPolicy(window.localStorage), spent: readSpent(stores(), network.chainId) }),
      usdcBalance: (address) => usdcBalance(network, address),
      depositAmount: () => tab.choice?.amount,
      // Over the per-message cap, the same approval dialog as an exact payment.
      approve: ask,
      // The deposit is a reservation against the budgets, made before it is sent; released if it is refused.
      onDeposit: (deposit) => tabDepositSent(network, { ...deposit, ...tabAgent() }),
      onDepositFailed: (deposit) => tabDepositFailed(network, deposit),
      onCharge: (charge) => {
        // Spent now: moved from the reservation, with its history row (the reply's record adds its tokens).
        tabCharged(network, charge, tabAgent());
        tab.charge = charge;
        tab.onCharge?.(charge);
        walletSession.touch();
      },
    });
    return tab.client;
  };
  const payingFetch = createPayingFetch({
    network,
    signer: () => payingSigner(network),
    shownPrice: () => agent.shown,
    policy: () => ({ policy: readPolicy(window.localStorage), spent: readSpent(stores(), network.chainId) }),
    approve: ask,
    usdcBalance: (address) => usdcBalance(network, address),
    chainHead: () => chain().getBlockNumber({ cacheTime: 0 }),
    // A receiver whose tab this wallet stopped (it cheated) is not paid by exact either, until the tab is closed.
    baseFetch: refuseStoppedReceivers((input, init) => fetch(input, init), {
      tabs: () => tabStorage(network.chainId).all(),
      payer: () => payingSigner(network)?.address ?? null,
    }),
    onSigned: (authorization) => {
      if (!sending) throw new Error("no message is being sent");
      const entry: JournalEntry = {
        nonce: authorization.nonce,
        chainId: network.chainId,
        authorization,
        agentId: agent.ref.kind === "catalog" ? agent.ref.id : agent.ref.url,
        agentName: agent.name,
        // Our own paid routes (a catalog agent, or a pasted URL on this origin) keep replies; the proxy's targets do not.
        ownServer: !agent.endpoint.startsWith("/api/proxy"),
        ...sending,
        time: new Date().toISOString(),
      };
      journalStore.update((storage) => openEntry(storage, entry));
      holdEntry(entry.nonce);
      signed.last = entry;
    },
    onPaid: ({ amount, payTo, authorization }) => {
      recordSpend(stores(), network.chainId, amount);
      paid.last = { amount, payTo, asset: network.usdc.address, authorization };
      walletSession.touch();
    },
  });
  const transferFetch = agent.transfer ? createBrowserTransferFetch(agent, network, ask, () => sending) : null;
  const transport = new DefaultChatTransport<ChatMessage>({
    api: agent.endpoint,
    headers: agent.headers,
    fetch: async (input, init) => {
      stops.last = null;
      paid.last = null;
      signed.last = null;
      signed.lost = false;
      sending = messageOf(init?.body);
      // Pay-then-prove agents (Atelier): a transfer from the local wallet, then its hash (pay-by-transfer-browser.ts).
      if (transferFetch) {
        try {
          return await transferFetch(input as RequestInfo, init);
        } catch (err) {
          if (err instanceof PaymentStopped) stops.last = err;
          throw err;
        }
      }
      if (tab.choice) {
        tab.charge = null;
        try {
          const client = tabClient();
          const res = await client.fetch(input as RequestInfo, init);
          return tabReceipts(res, client, () => tab.charge, network);
        } catch (err) {
          // The chat shows a tab's stop like a payment's: by its reason, with its words.
          if (err instanceof TabStopped) stops.last = new PaymentStopped(err.reason === "tab_seller_misbehaved" ? "payment_rejected" : err.reason, err.message);
          else if (err instanceof PaymentStopped) stops.last = err;
          throw err;
        }
      }
      try {
        const res = await payingFetch(input as RequestInfo, init);
        // An error answer to a sent payment (e.g. its proof already used) says nothing of its fate: the journal finds out.
        if (!res.ok && signed.last) signed.lost = true;
        // The agent's receipt is checked on chain against what was signed before the chat shows it.
        return verifyReceipts(await asUIMessageStream(res, paid.last), paid.last, network, (auth, claimed) => confirmPayment(chain(), auth, claimed));
      } catch (err) {
        if (err instanceof PaymentStopped) stops.last = err;
        const entry = signed.last as JournalEntry | null; // set by onSigned, during the await
        if (entry && err instanceof PaymentStopped && err.reason === "payment_rejected") {
          // The agent refused the proof and kept nothing: there is nothing to look for.
          journalStore.update((storage) => closeEntry(storage, network.chainId, entry.nonce));
          releaseEntry(entry.nonce);
        } else if (entry) {
          signed.lost = true; // it may have arrived: the journal resolves it
          releaseEntry(entry.nonce);
        }
        throw err;
      }
    },
    // Only what the agent route reads; the body passed to sendMessage carries selectedToolkits.
    prepareSendMessagesRequest: ({ id, messages, body }) => ({ body: { ...body, id, messages } }),
  });
  /** Closes the agent's tab: the cooperative refund; the unused part of the deposit goes back to the budgets. */
  const closeTab = async (url: string) => {
    const result = await closeWith(network, url, tabClient());
    tab.choice = null;
    return result;
  };
  /** The user's choice of paying this agent by tab; a choice already made keeps its amount. */
  const chooseTab = (choice: TabChoice | null) => {
    tab.choice = choice && tab.choice && choice.amount === undefined ? tab.choice : choice;
  };
  return { transport, stops, signed, chooseTab, closeTab };
}

/** The conversation and the user message a chat request is for (useChat's body: `id`, and the last message). */
function messageOf(body: BodyInit | null | undefined): { conversationId: string; messageId: string } | null {
  try {
    const parsed = JSON.parse(typeof body === "string" ? body : "") as { id?: unknown; messages?: Array<{ id?: unknown; role?: unknown }> };
    const last = parsed.messages?.at(-1);
    if (typeof parsed.id === "string" && last?.role === "user" && typeof last.id === "string") return { conversationId: parsed.id, messageId: last.id };
  } catch {
    // not a chat body
  }
  return null;
}

/**
 * One transport per mounted chat session, which is remounted for another agent,
 * network or conversation; toolkits travel with each message (`sendMessage`'s body).
 */
export function usePayingTransport(agent: ChatAgent, network: Network, ask: (request: ApprovalRequest) => Promise<boolean>) {
  const [created] = useState(() => createPayingTransport(agent, network, ask));
  return created;
}
