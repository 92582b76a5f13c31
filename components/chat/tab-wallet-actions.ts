/**
 * A tab's own transactions from the wallet, beside the seller: the top-up (one deposit into the channel) and the
 * timed withdrawal (the escape hatch when the seller is gone or misbehaved), and the channel's state on chain, which
 * is what a withdrawal under way is read from after a reload. Loaded only from the open-tabs list.
 */
import { BATCH_SETTLEMENT_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_ADDRESS } from "@x402/evm";
import { createPublicClient, createWalletClient, custom, erc20Abi, http, keccak256, parseAbi, parseEventLogs, type Hex, type Log } from "viem";
import { viemChainOf, type Network } from "@/lib/chains/networks";
import { formatUsdc } from "@/lib/chains/usdc";
import { walletSession } from "@/lib/wallet/session";
import { relayReader } from "@/lib/x402/payer/chain-reader";
import { readPayWith } from "@/lib/x402/payer/pay-with";
import { PaymentStopped } from "@/lib/x402/payer/paying-fetch";
import { readPolicy, readSpent } from "@/lib/x402/payer/policy";
import { tabDeposit } from "@/lib/x402/payer/tab-client";
import { tabDepositFailed, tabDepositLanded, tabDepositSent, tabRefunded } from "@/lib/x402/payer/tab-ledger";
import { tabStorage, type StoredTab } from "@/lib/x402/payer/tab-store";
import { finishWithdrawal, requestWithdrawal, tabOnChain, type TabOnChain } from "@/lib/x402/payer/tab-withdraw";
import { erc3009CollectorData, erc3009DepositNonce, receiveWithAuthorization } from "@/lib/x402/shared/eip3009";

const stores = () => ({ local: window.localStorage, session: window.sessionStorage });

/**
 * The wallet's own transactions on a tab's contract (a top-up, the timed withdrawal), paid with its ETH. The local
 * wallet signs them here and the app's send route broadcasts them (only to the tab contract); an external wallet's
 * transactions are not wired yet.
 */
function walletTransactions(network: Network) {
  if (readPayWith(window.localStorage, network.chainId) !== "local") {
    throw new PaymentStopped("wallet_refused", "The timed withdrawal is sent from the local wallet for now: choose it in Pay with, or close the tab cooperatively.");
  }
  const signer = walletSession.account(network.chainId);
  if (!signer) throw new PaymentStopped("wallet_locked", "Unlock your wallet to withdraw from the tab.");
  const relay = http(`${window.location.origin}/api/rpc/${network.chainId}`);
  // Reads go to the read-only relay; the one write, the signed transaction, to the send route.
  const transport = custom({
    async request({ method, params }: { method: string; params?: unknown }) {
      if (method !== "eth_sendRawTransaction") return relay({ chain: undefined }).request({ method, params } as never);
      const res = await fetch(`/api/rpc/${network.chainId}/send`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ transaction: (params as string[])[0] }),
      });
      const body = (await res.json()) as { transaction?: string; error?: { message: string } };
      if (!body.transaction) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
      return body.transaction;
    },
  });
  const chain = viemChainOf(network, `${window.location.origin}/api/rpc/${network.chainId}`);
  const wallet = createWalletClient({ account: signer, chain, transport });
  const reader = createPublicClient({ chain, transport: relay });
  return {
    address: signer.address,
    reader,
    signTypedData: signer.signTypedData,
    async send(call: { address: Hex; abi: readonly unknown[]; functionName: string; args: readonly unknown[] }): Promise<{ hash: Hex; logs: Log[] }> {
      if ((await reader.getBalance({ address: signer.address })) === 0n) {
        throw new PaymentStopped(
          "insufficient_gas",
          "Your wallet holds no ETH to pay this transaction's gas: a top-up or a timed withdrawal is sent from your wallet, which pays its gas. Add a little ETH to it, or close the tab cooperatively (no gas).",
        );
      }
      const hash = await wallet.writeContract(call as unknown as Parameters<typeof wallet.writeContract>[0]);
      const receipt = await reader.waitForTransactionReceipt({ hash, pollingInterval: 500 });
      if (receipt.status !== "success") throw new Error(`The transaction ${hash} reverted.`);
      return { hash, logs: receipt.logs };
    },
  };
}

/**
 * A tab as the chain has it now (its withdrawal under way, if any): what survives a reload. `clockSkew` is how far
 * the chain's clock runs ahead of this page's (seconds, never negative): the countdown ends when the chain's does.
 */
export async function tabChainState(network: Network, tab: StoredTab): Promise<TabOnChain & { clockSkew: number }> {
  if (!tab.config) throw new Error("This tab's channel is not known to this browser.");
  const reader = relayReader(network.chainId);
  const [state, head] = await Promise.all([tabOnChain(reader, tab.channelId as Hex, tab.config.withdrawDelay), reader.getBlock({ blockTag: "latest" })]);
  return { ...state, clockSkew: Math.max(0, Number(head.timestamp) - Date.now() / 1000) };
}

/** Starts the timed withdrawal of all the tab's balance: the seller has the channel's delay to claim its charges. */
export async function startWithdrawal(network: Network, tab: StoredTab): Promise<{ transaction: Hex; state: TabOnChain & { clockSkew: number } }> {
  if (!tab.config) throw new Error("This tab's channel is not known to this browser.");
  const wallet = walletTransactions(network);
  const state = await tabChainState(network, tab);
  const { hash } = await wallet.send(requestWithdrawal(tab.config, state.balance - state.totalClaimed));
  return { transaction: hash, state: await tabChainState(network, tab) };
}

/** Finishes it once ready: what the seller did not claim comes back to the wallet; the tab is done. */
export async function finishTabWithdrawal(network: Network, tab: StoredTab): Promise<{ refunded: bigint; transaction: Hex }> {
  if (!tab.config) throw new Error("This tab's channel is not known to this browser.");
  const { hash, logs } = await walletTransactions(network).send(finishWithdrawal(tab.config));
  const finalized = parseEventLogs({ abi: withdrawEvents, logs, eventName: "WithdrawFinalized" }).find((l) => l.args.channelId.toLowerCase() === tab.channelId);
  const refunded = finalized?.args.amount ?? 0n;
  await tabStorage(network.chainId).delete(tab.channelId);
  tabRefunded(network, { channelId: tab.channelId, refunded, transaction: hash, kind: "withdrawal" });
  return { refunded, transaction: hash };
}

const withdrawEvents = parseAbi(["event WithdrawFinalized(bytes32 indexed channelId, address indexed sender, uint128 amount)"]);

const depositAbi = parseAbi([
  "struct ChannelConfig { address payer; address payerAuthorizer; address receiver; address receiverAuthorizer; address token; uint40 withdrawDelay; bytes32 salt; }",
  "function deposit(ChannelConfig config, uint128 amount, address collector, bytes collectorData)",
]);

/**
 * Tops up a tab: one deposit transaction into its channel, through the ERC-3009 deposit collector as the first
 * deposit, here sent by the wallet itself (no message needed, no prompt with the local wallet; it pays the gas).
 * Bounded like the first deposit by the budgets left and the wallet's USDC, and counted against the budgets.
 */
export async function topUpTab(network: Network, tab: StoredTab, amount: bigint): Promise<{ transaction: Hex; balance: bigint }> {
  if (!tab.config) throw new Error("This tab's channel is not known to this browser.");
  if (tab.stopped) throw new PaymentStopped("policy_refused", "This tab is stopped (the agent misreported a charge): it takes no more deposits.");
  const wallet = walletTransactions(network);
  const held = await wallet.reader.readContract({ address: network.usdc.address, abi: erc20Abi, functionName: "balanceOf", args: [wallet.address] });
  const bound = tabDeposit({ price: amount, messages: 1, chosen: amount, minimum: amount, held, policy: readPolicy(window.localStorage), spent: readSpent(stores(), network.chainId) });
  const usdc = (atomic: bigint) => formatUsdc(atomic, network.usdc.decimals);
  if (!bound.ok) {
    throw bound.limit === "funds"
      ? new PaymentStopped("insufficient_funds", `Your wallet holds ${usdc(bound.left)}, less than the top-up of ${usdc(amount)}; nothing was signed.`)
      : new PaymentStopped("policy_refused", `A top-up of ${usdc(amount)} is more than your budgets have left (${usdc(bound.left)}); nothing was signed.`);
  }
  const salt = BigInt(keccak256(`0x${[...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("")}`));
  const validBefore = BigInt(Math.floor(Date.now() / 1000) + 600);
  const signature = await wallet.signTypedData({
    domain: { name: network.usdc.eip712Name, version: network.usdc.eip712Version, chainId: network.chainId, verifyingContract: network.usdc.address },
    ...receiveWithAuthorization,
    message: { from: wallet.address, to: ERC3009_DEPOSIT_COLLECTOR_ADDRESS, value: amount, validAfter: 0n, validBefore, nonce: erc3009DepositNonce(tab.channelId as Hex, salt) },
  });
  const collectorData = erc3009CollectorData({ validAfter: 0n, validBefore, salt, signature });
  // Reserved against the budgets as it is sent, as the first deposit is (not spent: only charges are); released if
  // it did not go through.
  tabDepositSent(network, { channelId: tab.channelId, amount, kind: "topup" });
  let hash: Hex;
  try {
    ({ hash } = await wallet.send({ address: BATCH_SETTLEMENT_ADDRESS, abi: depositAbi, functionName: "deposit", args: [tab.config, amount, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, collectorData] }));
  } catch (err) {
    tabDepositFailed(network, { channelId: tab.channelId, amount, error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  tabDepositLanded(network, { channelId: tab.channelId, transaction: hash });
  const storage = tabStorage(network.chainId);
  const context = (await storage.get(tab.channelId)) ?? {};
  const balance = BigInt(context.balance ?? "0") + amount;
  await storage.set(tab.channelId, { ...context, balance: balance.toString() });
  return { transaction: hash, balance };
}
