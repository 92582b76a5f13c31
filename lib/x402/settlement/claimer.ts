import "server-only";
import type { FacilitatorClient } from "@x402/core/server";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { BATCH_SETTLEMENT_ADDRESS } from "@x402/evm";
import type { Channel } from "@x402/evm/batch-settlement/server";
import { getAddress, isAddressEqual, parseAbi, parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import type { TabLedger } from "@/lib/ledger/tabs";
import type { TabClaimerStore, ClaimerLock } from "@/lib/ledger/tab-claimer";

/**
 * The tab claimer: turns the vouchers our paid routes took (channel rows in the ledger) into money. It batches the
 * outstanding vouchers of many channels into one `claimWithSignature` and then sweeps each receiver's claimed funds
 * with `settle`, both sent by our facilitator (which signs the claim batch as the channels' receiver authorizer).
 *
 * Why not the SDK's BatchSettlementChannelManager: a manager is bound to one receiver, and our agents each have
 * their own payTo. One manager per receiver would send one claim transaction per receiver, where the contract
 * takes channels of every receiver that shares our authorizer in one; and a manager claims what the ledger says
 * without reading the chain, so a channel the payer drained by a finished withdrawal (claim above its balance)
 * would revert its whole batch, and a claim a crashed run already sent would be sent again. Here the payloads
 * are the SDK's own `claim` / `settle` facilitator payloads, built from the ledger and checked against the chain.
 *
 * When: every TAB_CLAIM_INTERVAL_SECONDS for the tabs idle that long (no request on them for a period); every tab
 * as soon as the unclaimed value of a network reaches TAB_CLAIM_THRESHOLD_USDC, and at once when a payer starts a
 * timed withdrawal (the contract's WithdrawInitiated event, read from the last block seen): claims stay possible
 * during the withdrawal delay, so claiming then keeps what was charged. Exactly one process claims (a lock in the
 * ledger); its progress is in the ledger too.
 */

const abi = parseAbi([
  "function channels(bytes32 channelId) view returns (uint128 balance, uint128 totalClaimed)",
  "function receivers(address receiver, address token) view returns (uint128 totalClaimed, uint128 totalSettled)",
  "event Claimed(bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 totalClaimed)",
  "event WithdrawInitiated(bytes32 indexed channelId, address indexed sender, uint128 amount, uint40 finalizeAfter)",
]);
const CONTRACT = getAddress(BATCH_SETTLEMENT_ADDRESS);

/** The first run on a network reads withdrawals this far back (~5.5 h of Base blocks, above any usual delay). */
const FIRST_LOOKBACK_BLOCKS = 10_000n;
/** Log searches go in windows public RPCs accept. */
const LOG_WINDOW_BLOCKS = 5_000n;
/** Vouchers per claim transaction: well inside a block's gas, the SDK manager's default too. */
const MAX_CLAIMS_PER_BATCH = 100;

/** One network the claimer serves. */
export interface ClaimerNetwork {
  /** CAIP-2 id. */
  network: string;
  tabs: TabLedger;
  /** Relays the claim and settle payloads (our facilitator, in process). */
  facilitator: Pick<FacilitatorClient, "settle">;
  /** Chain reads: channel state, withdrawal events, claim receipts. */
  client: PublicClient;
  /** The receiver authorizer the facilitator signs as: channels naming another are not ours to claim. */
  receiverAuthorizer: Address;
  /** Unclaimed atomic units that trigger a claim at once. */
  threshold: bigint;
}

export interface TabClaimerOptions {
  store: TabClaimerStore;
  networks: ClaimerNetwork[];
  /** The periodic claim. */
  intervalMs: number;
  /** How often withdrawals and the threshold are checked. */
  pollMs: number;
  maxClaimsPerBatch?: number;
  log?: (message: string) => void;
}

export type ClaimTrigger = "withdrawal" | "threshold" | "period" | "manual";

export interface ClaimedChannel {
  channelId: string;
  /** What this claim added, atomic units. */
  amount: string;
  /** The channel's claimed total on chain after it. */
  totalClaimed: string;
}

export interface NetworkRun {
  network: string;
  /** Why it claimed; null when nothing was due. */
  trigger: ClaimTrigger | null;
  /** Channels whose payer started a withdrawal, seen in this run's blocks. */
  withdrawals: string[];
  claims: { transaction: string; channels: ClaimedChannel[] }[];
  /** Channels found claimed on chain beyond the ledger (a run that crashed after its claim): now recorded. */
  synced: ClaimedChannel[];
  settles: { receiver: string; token: string; transaction: string | null; amount: string }[];
  errors: string[];
}

export type TickReport = { role: "standby" } | { role: "claimer"; networks: NetworkRun[] };

interface ChainChannel {
  balance: bigint;
  totalClaimed: bigint;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

export class TabClaimer {
  private readonly lock: ClaimerLock;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /**
   * Channels with nothing we can claim, by id, with the charged total seen: charged beyond what they hold (a payer's
   * finished withdrawal), or a voucher the contract refused on its own. Reported once and left out of the triggers
   * until charged again, so they do not set off a claim on every tick. Reconciliation keeps reporting them.
   */
  private readonly uncollectible = new Map<string, string>();
  /** The last errors logged per network, so a lasting failure is logged once. */
  private readonly lastErrors = new Map<string, string>();

  constructor(private readonly opts: TabClaimerOptions) {
    this.lock = opts.store.lock();
  }

  /**
   * Runs `tick` every pollMs until stop(). The first time this process holds the lock, it also reconciles every
   * tab with the chain and logs the outcome (a line per mismatch).
   */
  start(): void {
    if (this.timer || this.stopped) return;
    let reconciled = false;
    const loop = async () => {
      const report = await this.tick().catch((err: unknown) => {
        this.log(`tick failed: ${(err as Error).message}`);
        return undefined;
      });
      if (report?.role === "claimer") {
        for (const run of report.networks) this.logRun(run);
        if (!reconciled) reconciled = await this.logReconciliation();
      }
      // unref: the timer alone must not keep a stopping server alive.
      if (!this.stopped) this.timer = setTimeout(loop, this.opts.pollMs).unref();
    };
    this.timer = setTimeout(loop, 0).unref();
  }

  /** Stops the loop, waits for a run in progress, and frees the lock for another process. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queue.catch(() => undefined);
    await this.lock.release();
  }

  /** One check of every network: claims what is due. Standby while another process holds the lock. */
  tick(): Promise<TickReport> {
    return this.serialized(() => this.run(false));
  }

  /** Claims and settles everything outstanding now, due or not (tests, the bench, an operator). */
  claimNow(): Promise<TickReport> {
    return this.serialized(() => this.run(true));
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async run(manual: boolean): Promise<TickReport> {
    if (this.stopped && !manual) return { role: "standby" };
    if (!(await this.lock.acquire())) return { role: "standby" };
    const networks: NetworkRun[] = [];
    for (const network of this.opts.networks) {
      const run: NetworkRun = { network: network.network, trigger: null, withdrawals: [], claims: [], synced: [], settles: [], errors: [] };
      try {
        await this.runNetwork(network, run, manual);
      } catch (err) {
        run.errors.push((err as Error).message);
      }
      networks.push(run);
    }
    return { role: "claimer", networks };
  }

  private async runNetwork(n: ClaimerNetwork, run: NetworkRun, manual: boolean): Promise<void> {
    const progress = await this.opts.store.progress(n.network);
    run.withdrawals = await this.watchWithdrawals(n, progress.lastBlock);

    const now = new Date();
    let periodDue = false;
    if (!progress.lastClaimAt) {
      // The period starts with the claimer's first run on this network.
      await this.opts.store.saveProgress(n.network, { lastClaimAt: now });
    } else {
      periodDue = now.getTime() - progress.lastClaimAt.getTime() >= this.opts.intervalMs;
    }
    // The period claims only tabs idle for a whole period: a tab in use would otherwise be claimed every period
    // (~20k gas each), so a tab used for 40 minutes paid 40 claims. Idle tabs wait for the next period's batch.
    const idle = (c: Channel) => now.getTime() - (c.lastRequestTimestamp ?? 0) >= this.opts.intervalMs;

    const unclaimed = (await n.tabs.listUnclaimed()).filter(
      (c) =>
        isAddressEqual(c.channelConfig.receiverAuthorizer as Address, n.receiverAuthorizer) &&
        this.uncollectible.get(c.channelId.toLowerCase()) !== c.chargedCumulativeAmount,
    );
    const outstanding = unclaimed.reduce((sum, c) => sum + BigInt(c.chargedCumulativeAmount) - BigInt(c.totalClaimed), 0n);
    if (unclaimed.length > 0) {
      run.trigger = manual
        ? "manual"
        : unclaimed.some((c) => c.withdrawRequestedAt > 0)
          ? "withdrawal"
          : outstanding >= n.threshold
            ? "threshold"
            : periodDue && unclaimed.some(idle)
              ? "period"
              : null;
    }
    const receivers = new Set<string>();
    if (run.trigger) {
      // The threshold, a withdrawal and a manual run take every tab: they protect money, not gas.
      const claiming = run.trigger === "period" ? unclaimed.filter(idle) : unclaimed;
      // The period restarts when it claims, so a tab that goes idle later is claimed as soon as it has been idle
      // a period and the last periodic batch is a period old, not a whole period after that.
      if (run.trigger === "period") await this.opts.store.saveProgress(n.network, { lastClaimAt: now });
      await this.claim(n, claiming, run);
      for (const c of claiming) receivers.add(`${c.channelConfig.receiver.toLowerCase()}|${c.channelConfig.token.toLowerCase()}`);
    }
    await this.settle(n, receivers, run);
  }

  /** Reads WithdrawInitiated from the block after the last one seen, marks those channels, saves the progress. */
  private async watchWithdrawals(n: ClaimerNetwork, lastBlock: bigint | null): Promise<string[]> {
    const head = await n.client.getBlockNumber({ cacheTime: 0 });
    // A chain younger than our progress was reset (the local chain): read it again from its start.
    let from = lastBlock === null || lastBlock > head ? (head > FIRST_LOOKBACK_BLOCKS ? head - FIRST_LOOKBACK_BLOCKS : 0n) : lastBlock + 1n;
    const seen: string[] = [];
    while (from <= head) {
      const to = min(from + LOG_WINDOW_BLOCKS - 1n, head);
      const logs = await n.client.getContractEvents({ address: CONTRACT, abi, eventName: "WithdrawInitiated", fromBlock: from, toBlock: to });
      for (const log of logs) {
        const channelId = log.args.channelId!.toLowerCase();
        const finalizeAfter = Number(log.args.finalizeAfter);
        const updated = await n.tabs.updateChannel(channelId, (current) => {
          if (!current) return current;
          const requestedAt = finalizeAfter - current.channelConfig.withdrawDelay;
          return current.withdrawRequestedAt === requestedAt ? current : { ...current, withdrawRequestedAt: requestedAt };
        });
        if (updated.channel) seen.push(channelId);
      }
      await this.opts.store.saveProgress(n.network, { lastBlock: to });
      from = to + 1n;
    }
    return seen;
  }

  private async readChannels(n: ClaimerNetwork, ids: string[]): Promise<ChainChannel[]> {
    return Promise.all(
      ids.map(async (id) => {
        const [balance, totalClaimed] = await n.client.readContract({ address: CONTRACT, abi, functionName: "channels", args: [id as Hex] });
        return { balance, totalClaimed };
      }),
    );
  }

  private async claim(n: ClaimerNetwork, unclaimed: Channel[], run: NetworkRun): Promise<void> {
    const ids = unclaimed.map((c) => c.channelId.toLowerCase());
    const [onChain, recorded] = await Promise.all([this.readChannels(n, ids), this.opts.store.recordedClaims(n.network, ids)]);
    const rows: { channel: Channel; target: bigint }[] = [];
    for (const [i, channel] of unclaimed.entries()) {
      const id = ids[i]!;
      const chain = onChain[i]!;
      // Claimed on chain beyond what the ledger recorded: a run that died after its transaction. Record it now.
      const known = recorded.get(id) ?? 0n;
      if (chain.totalClaimed > known) {
        await this.recordClaim(n, id, chain.totalClaimed - known, chain.totalClaimed, null);
        run.synced.push({ channelId: id, amount: (chain.totalClaimed - known).toString(), totalClaimed: chain.totalClaimed.toString() });
      }
      // Never above the escrow: a finished withdrawal shrinks it, and one row above it would revert the batch.
      const target = min(BigInt(channel.chargedCumulativeAmount), chain.balance);
      if (target < BigInt(channel.chargedCumulativeAmount)) {
        run.errors.push(`${id}: charged ${channel.chargedCumulativeAmount} but the channel holds ${chain.balance}; claiming that`);
      }
      if (target > chain.totalClaimed) rows.push({ channel, target });
      else if (target < BigInt(channel.chargedCumulativeAmount)) this.uncollectible.set(id, channel.chargedCumulativeAmount);
    }
    // Channels under withdrawal first, so a full batch never leaves them behind.
    rows.sort((a, b) => Number(b.channel.withdrawRequestedAt > 0) - Number(a.channel.withdrawRequestedAt > 0));
    const size = this.opts.maxClaimsPerBatch ?? MAX_CLAIMS_PER_BATCH;
    for (let i = 0; i < rows.length; i += size) {
      const batch = rows.slice(i, i + size);
      const sent = await this.submitClaim(n, batch, run);
      // One bad row (its voucher refused on chain) must not hold back the rest: try them one by one.
      if (!sent && batch.length > 1) for (const row of batch) await this.submitClaim(n, [row], run);
    }
  }

  private async submitClaim(n: ClaimerNetwork, rows: { channel: Channel; target: bigint }[], run: NetworkRun): Promise<boolean> {
    const first = rows[0]!.channel.channelConfig;
    const claims = rows.map(({ channel, target }) => ({
      voucher: { channel: channel.channelConfig, maxClaimableAmount: channel.signedMaxClaimable },
      signature: channel.signature,
      totalClaimed: target.toString(),
    }));
    const response = await n.facilitator.settle(
      ...payloadFor(n.network, first.receiver, first.token, { type: "claim", claims }),
    );
    if (!response.success) {
      run.errors.push(`claim of ${rows.length} channel(s) failed: ${response.errorReason ?? "unknown"} ${response.errorMessage ?? ""}`.trim());
      const [only] = rows;
      if (rows.length === 1 && response.errorReason === "invalid_batch_settlement_evm_claim_simulation_failed") {
        this.uncollectible.set(only!.channel.channelId.toLowerCase(), only!.channel.chargedCumulativeAmount);
      }
      return false;
    }
    const hash = response.transaction as Hex;
    const receipt = await n.client.getTransactionReceipt({ hash });
    const logs = parseEventLogs({ abi, eventName: "Claimed", logs: receipt.logs.filter((l) => isAddressEqual(l.address, CONTRACT)) });
    const claimed: ClaimedChannel[] = [];
    for (const log of logs) {
      const channelId = log.args.channelId.toLowerCase();
      await this.recordClaim(n, channelId, log.args.amount, log.args.totalClaimed, hash);
      claimed.push({ channelId, amount: log.args.amount.toString(), totalClaimed: log.args.totalClaimed.toString() });
    }
    run.claims.push({ transaction: hash, channels: claimed });
    return true;
  }

  /** Raises the channel row's claimed total (never lowers it) and records the claim. */
  private async recordClaim(n: ClaimerNetwork, channelId: string, amount: bigint, totalClaimed: bigint, txHash: Hex | null) {
    await n.tabs.updateChannel(channelId, (current) =>
      current && totalClaimed > BigInt(current.totalClaimed) ? { ...current, totalClaimed: totalClaimed.toString() } : current,
    );
    await n.tabs.recordEvent({ channelId, kind: "claim", amount: amount.toString(), cumulative: totalClaimed.toString(), txHash });
  }

  /**
   * Sweeps every receiver with recorded claims not yet recorded as settled (so a run that died between its claim
   * and its settle finishes it), and the receivers this run claimed for. Each channel's share gets a settle row.
   */
  private async settle(n: ClaimerNetwork, claimedFor: Set<string>, run: NetworkRun): Promise<void> {
    const unsettled = await this.opts.store.unsettledClaims(n.network);
    const groups = new Map<string, typeof unsettled>();
    for (const key of claimedFor) groups.set(key, []);
    for (const row of unsettled) {
      const key = `${row.receiver}|${row.token}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    for (const [key, rows] of groups) {
      const [receiver, token] = key.split("|") as [Address, Address];
      const [claimed, settled] = await n.client.readContract({ address: CONTRACT, abi, functionName: "receivers", args: [receiver, token] });
      let transaction: string | null = null;
      let amount = 0n;
      if (claimed > settled) {
        const response = await n.facilitator.settle(...payloadFor(n.network, receiver, token, { type: "settle", receiver, token }));
        if (!response.success) {
          run.errors.push(`settle for ${receiver} failed: ${response.errorReason ?? "unknown"} ${response.errorMessage ?? ""}`.trim());
          continue;
        }
        transaction = response.transaction;
        amount = claimed - settled;
      }
      // Nothing left to sweep on chain while claims wait in the ledger: an earlier run settled and died before
      // recording it. Recorded without a transaction, so the ledger's settled sum matches the chain again.
      for (const row of rows) {
        await n.tabs.recordEvent({ channelId: row.channelId, kind: "settle", amount: row.amount.toString(), txHash: transaction });
      }
      if (transaction || rows.length > 0) run.settles.push({ receiver, token, transaction, amount: amount.toString() });
    }
  }

  /** Logs reconcileTabs of every network; false when the chain could not be read (tried again next tick). */
  private async logReconciliation(): Promise<boolean> {
    try {
      for (const n of this.opts.networks) {
        const rows = await reconcileTabs(n, this.opts.store);
        const off = rows.filter((r) => r.mismatches.length > 0);
        this.log(`${n.network}: ${rows.length} tab(s) reconciled with the chain, ${off.length === 0 ? "exact" : `${off.length} mismatch(es)`}`);
        for (const r of off) {
          this.log(
            `${n.network}: ${r.channelId} ${r.mismatches.join(", ")} (charged ${r.charged}, claimed in ledger ${r.claimedInLedger}, ` +
              `on chain ${r.claimedOnChain} of balance ${r.balanceOnChain})`,
          );
        }
      }
      return true;
    } catch (err) {
      this.log(`reconciliation failed: ${(err as Error).message}`);
      return false;
    }
  }

  private logRun(run: NetworkRun): void {
    for (const claim of run.claims) {
      this.log(`${run.network}: claimed ${claim.channels.length} channel(s) (${run.trigger}) in ${claim.transaction}`);
    }
    for (const settle of run.settles) {
      if (settle.transaction) this.log(`${run.network}: settled ${settle.amount} to ${settle.receiver} in ${settle.transaction}`);
    }
    // A network that stays down (an unreachable Base RPC) is said once, and again when it changes or recovers, not
    // on every poll.
    const errors = run.errors.join("; ");
    const last = this.lastErrors.get(run.network) ?? "";
    if (errors !== last) this.log(errors ? `${run.network}: ${errors}` : `${run.network}: answering again`);
    this.lastErrors.set(run.network, errors);
  }

  private log(message: string): void {
    (this.opts.log ?? ((m: string) => console.info(`[tab-claimer] ${m}`)))(message);
  }
}

/** The facilitator call for a claim or settle payload: the SDK's manager sends the same envelope. */
function payloadFor(network: string, payTo: string, asset: string, payload: Record<string, unknown>): [PaymentPayload, PaymentRequirements] {
  const requirements: PaymentRequirements = {
    scheme: "batch-settlement",
    network: network as PaymentRequirements["network"],
    asset,
    amount: "0",
    payTo,
    maxTimeoutSeconds: 0,
    extra: {},
  };
  return [{ x402Version: 2, accepted: requirements, payload }, requirements];
}

/** Per channel: what the ledger charged and recorded as claimed, against the chain. */
export interface TabReconcileRow {
  channelId: string;
  charged: string;
  /** Sum of the ledger's claim rows. */
  claimedInLedger: string;
  /** channels(channelId).totalClaimed on chain. */
  claimedOnChain: string;
  balanceOnChain: string;
  /** Empty when the ledger and the chain agree. */
  mismatches: ("claim_unrecorded" | "claim_missing_on_chain" | "claimed_above_charges" | "charges_above_balance")[];
}

/**
 * Reconciliation of tabs: for every channel of the network, the ledger's claimed charges against
 * `channels(channelId).totalClaimed` on chain. Charges not yet claimed are no mismatch (the claimer's backlog).
 */
export async function reconcileTabs(n: Pick<ClaimerNetwork, "network" | "tabs" | "client">, store: TabClaimerStore): Promise<TabReconcileRow[]> {
  const channels = await n.tabs.list();
  const ids = channels.map((c) => c.channelId.toLowerCase());
  const [recorded, onChain] = await Promise.all([
    store.recordedClaims(n.network, ids),
    Promise.all(
      ids.map((id) => n.client.readContract({ address: CONTRACT, abi, functionName: "channels", args: [id as Hex] })),
    ),
  ]);
  return channels.map((channel, i) => {
    const id = ids[i]!;
    const [balance, chainClaimed] = onChain[i]!;
    const charged = BigInt(channel.chargedCumulativeAmount);
    const ledgerClaimed = recorded.get(id) ?? 0n;
    const mismatches: TabReconcileRow["mismatches"] = [];
    if (chainClaimed > ledgerClaimed) mismatches.push("claim_unrecorded");
    if (chainClaimed < ledgerClaimed) mismatches.push("claim_missing_on_chain");
    if (chainClaimed > charged) mismatches.push("claimed_above_charges");
    if (charged > balance) mismatches.push("charges_above_balance");
    return {
      channelId: id,
      charged: charged.toString(),
      claimedInLedger: ledgerClaimed.toString(),
      claimedOnChain: chainClaimed.toString(),
      balanceOnChain: balance.toString(),
      mismatches,
    };
  });
}
