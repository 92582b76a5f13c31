/**
 * The tab claimer on a real anvil with our batch-settlement contracts, against the ledger on PGlite and on a real
 * Postgres: channels are opened and charged through the official SDK (harness.ts), then claimed in one
 * claimWithSignature and swept with settle by the SDK's facilitator scheme.
 */
import type { x402Facilitator } from "@x402/core/facilitator";
import type { x402ResourceServer } from "@x402/core/server";
import type { PaymentRequirements } from "@x402/core/types";
import { BATCH_SETTLEMENT_ADDRESS } from "@x402/evm";
import { createPublicClient, createTestClient, custom, http, parseEther, type Address, type Hex, type PublicClient } from "viem";
import { sql } from "drizzle-orm";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fundLocalAccount } from "@/lib/devchain";
import { openLedgerDb, type OpenedLedgerDb } from "@/lib/ledger/db";
import { TabClaimerStore } from "@/lib/ledger/tab-claimer";
import { TabLedger } from "@/lib/ledger/tabs";
import { reconcileTabs, TabClaimer, type NetworkRun, type TickReport } from "@/lib/x402/settlement/claimer";
import { testChainFixture } from "@/test/support/fixtures";
import { startPostgres, type TestPostgres } from "@/test/support/postgres";
import {
  createFacilitator,
  createResourceServer,
  NETWORK,
  newAccount,
  Payer,
  PRICE,
  requirementsFor,
  settlementAbi,
  usdcBalance,
  WITHDRAW_DELAY,
} from "./harness";

const chain = testChainFixture();
/** Our facilitator's key: it relays every transaction and signs claims as the receiver authorizer. */
const facilitatorAccount = newAccount();
const NEVER = 1_000_000_000n; // a threshold no test reaches
const HOUR_MS = 3_600_000;

let publicClient: PublicClient;

beforeAll(async () => {
  publicClient = createPublicClient({ chain: foundry, transport: http(chain.rpcUrl), pollingInterval: 50 }) as PublicClient;
  await fundLocalAccount(chain.rpcUrl, facilitatorAccount.address, { usdc: 0n, eth: parseEther("100") });
});

/** One server process: its ledger database, its facilitator (same key everywhere), its resource server. */
interface Process {
  db: OpenedLedgerDb["db"];
  tabs: TabLedger;
  store: TabClaimerStore;
  facilitator: x402Facilitator;
  server: x402ResourceServer;
}

async function processOn(opened: OpenedLedgerDb): Promise<Process> {
  const tabs = new TabLedger(opened.db, NETWORK);
  const facilitator = createFacilitator(facilitatorAccount, chain.rpcUrl);
  return {
    db: opened.db,
    tabs,
    store: new TabClaimerStore(opened.db),
    facilitator,
    server: await createResourceServer(facilitator, tabs),
  };
}

function claimerOf(p: Process, { threshold = NEVER, intervalMs = HOUR_MS } = {}): TabClaimer {
  return new TabClaimer({
    store: p.store,
    networks: [
      {
        network: NETWORK,
        tabs: p.tabs,
        facilitator: p.facilitator,
        client: publicClient,
        receiverAuthorizer: facilitatorAccount.address,
        threshold,
      },
    ],
    intervalMs,
    pollMs: 60_000,
    log: () => {},
  });
}

const runOf = (report: TickReport): NetworkRun => {
  if (report.role !== "claimer") throw new Error("expected this claimer to hold the lock");
  return report.networks[0]!;
};

const reqFor = (payTo: Address) => requirementsFor(chain.deployment.usdc, payTo, facilitatorAccount.address);

const onChain = async (channelId: Hex) => {
  const [balance, totalClaimed] = await publicClient.readContract({
    address: BATCH_SETTLEMENT_ADDRESS,
    abi: settlementAbi,
    functionName: "channels",
    args: [channelId],
  });
  return { balance, totalClaimed };
};

/** Moves a tab's last request `ms` into the past, as if nobody had used it since. */
async function idleFor(p: Process, channelId: Hex, ms: number) {
  await p.tabs.updateChannel(channelId, (c) => c && { ...c, lastRequestTimestamp: Date.now() - ms });
}

const facilitatorNonce = () => publicClient.getTransactionCount({ address: facilitatorAccount.address, blockTag: "pending" });

/** Pays `charges` messages on `payer`'s channel to `requirements`. */
async function payAll(p: Process, payer: Payer, requirements: PaymentRequirements, charges: bigint[]) {
  for (const charge of charges) await payer.pay(p.server, requirements, charge);
}

describe("the tab claimer (PGlite)", () => {
  let opened: OpenedLedgerDb | undefined;
  beforeAll(async () => {
    opened = await openLedgerDb({ dataDir: "memory://" });
  });
  afterAll(async () => {
    await opened?.close();
  });
  /** An empty ledger per test (one database: opening PGlite is slow), so no test inherits another's backlog. */
  const freshProcess = async () => {
    await opened!.db.execute(sql`truncate channels, tab_events, tab_claimer`);
    return processOn(opened!);
  };

  it("claims the vouchers of many channels, of two receivers, in one transaction and settles each receiver", async () => {
    const p = await freshProcess();
    const [receiverA, receiverB] = [newAccount().address, newAccount().address];
    const payers = await Promise.all([Payer.funded(chain.rpcUrl), Payer.funded(chain.rpcUrl), Payer.funded(chain.rpcUrl)]);
    await payAll(p, payers[0]!, reqFor(receiverA), [PRICE, 4_000n, 7_500n]);
    await payAll(p, payers[1]!, reqFor(receiverA), [1_234n, PRICE]);
    await payAll(p, payers[2]!, reqFor(receiverB), [PRICE, 0n, 9_999n]);
    await payAll(p, payers[0]!, reqFor(receiverB), [2_500n]);
    const channels = [
      [payers[0]!, receiverA],
      [payers[1]!, receiverA],
      [payers[2]!, receiverB],
      [payers[0]!, receiverB],
    ] as const;
    const chargedOf = (payer: Payer, receiver: Address) => payer.charged.get(payer.channelId(reqFor(receiver)))!;
    const owedTo = (receiver: Address) =>
      channels.filter(([, r]) => r === receiver).reduce((sum, [payer, r]) => sum + chargedOf(payer, r), 0n);
    const before = { a: await usdcBalance(chain.rpcUrl, chain.deployment.usdc, receiverA), b: await usdcBalance(chain.rpcUrl, chain.deployment.usdc, receiverB) };
    const nonceBefore = await facilitatorNonce();

    const run = runOf(await claimerOf(p).claimNow());

    expect(run.errors).toEqual([]);
    expect(run.trigger).toBe("manual");
    // One claim transaction for the four channels, then one settle per receiver: three transactions in all.
    expect(run.claims).toHaveLength(1);
    expect(run.claims[0]!.channels).toHaveLength(4);
    expect(run.settles.map((s) => s.transaction).every(Boolean)).toBe(true);
    expect(run.settles).toHaveLength(2);
    expect(await facilitatorNonce()).toBe(nonceBefore + 3);
    for (const [payer, receiver] of channels) {
      const id = payer.channelId(reqFor(receiver));
      expect((await onChain(id)).totalClaimed).toBe(chargedOf(payer, receiver));
      expect((await p.tabs.get(id))!.totalClaimed).toBe(chargedOf(payer, receiver).toString());
      const events = await p.tabs.listEvents(id);
      const claim = events.find((e) => e.kind === "claim")!;
      expect(claim).toMatchObject({ amount: chargedOf(payer, receiver).toString(), txHash: run.claims[0]!.transaction });
      expect(events.find((e) => e.kind === "settle")).toMatchObject({ amount: chargedOf(payer, receiver).toString() });
    }
    expect(await usdcBalance(chain.rpcUrl, chain.deployment.usdc, receiverA)).toBe(before.a + owedTo(receiverA));
    expect(await usdcBalance(chain.rpcUrl, chain.deployment.usdc, receiverB)).toBe(before.b + owedTo(receiverB));
    const reconciled = await reconcileTabs({ network: NETWORK, tabs: p.tabs, client: publicClient }, p.store);
    expect(reconciled).toHaveLength(4);
    expect(reconciled.flatMap((r) => r.mismatches)).toEqual([]);

    // Nothing left: another run sends nothing.
    const again = runOf(await claimerOf(p).claimNow());
    expect(again).toMatchObject({ trigger: null, claims: [], settles: [], errors: [] });
    expect(await facilitatorNonce()).toBe(nonceBefore + 3);
  });

  it("claims when the unclaimed value reaches the threshold, not before", async () => {
    const p = await freshProcess();
    const receiver = newAccount().address;
    const payer = await Payer.funded(chain.rpcUrl);
    const claimer = claimerOf(p, { threshold: 25_000n });
    await payAll(p, payer, reqFor(receiver), [PRICE, PRICE]);
    expect(runOf(await claimer.tick())).toMatchObject({ trigger: null, claims: [] });

    await payAll(p, payer, reqFor(receiver), [PRICE]);
    const run = runOf(await claimer.tick());
    expect(run.trigger).toBe("threshold");
    expect(run.claims).toHaveLength(1);
    expect((await onChain(payer.channelId(reqFor(receiver)))).totalClaimed).toBe(30_000n);
    await claimer.stop();
  });

  it("claims when the period comes due (the period's start is kept in the ledger)", async () => {
    const p = await freshProcess();
    const receiver = newAccount().address;
    const payer = await Payer.funded(chain.rpcUrl);
    const claimer = claimerOf(p);
    await payAll(p, payer, reqFor(receiver), [3_000n]);
    // The first run starts the period.
    expect(runOf(await claimer.tick())).toMatchObject({ trigger: null, claims: [] });
    expect((await p.store.progress(NETWORK)).lastClaimAt).not.toBeNull();
    await p.store.saveProgress(NETWORK, { lastClaimAt: new Date(Date.now() - HOUR_MS - 1_000) });
    await idleFor(p, payer.channelId(reqFor(receiver)), HOUR_MS + 1_000);
    const run = runOf(await claimer.tick());
    expect(run.trigger).toBe("period");
    expect((await onChain(payer.channelId(reqFor(receiver)))).totalClaimed).toBe(3_000n);
    await claimer.stop();
  });

  it("the period claims only tabs idle for a period: a tab in use is claimed once, after it goes idle", async () => {
    const p = await freshProcess();
    const receiver = newAccount().address;
    const [busy, quiet] = await Promise.all([Payer.funded(chain.rpcUrl), Payer.funded(chain.rpcUrl)]);
    const [busyId, quietId] = [busy.channelId(reqFor(receiver)), quiet.channelId(reqFor(receiver))];
    const claimer = claimerOf(p);
    await payAll(p, quiet, reqFor(receiver), [2_000n]);
    await idleFor(p, quietId, HOUR_MS + 1_000);
    expect(runOf(await claimer.tick())).toMatchObject({ trigger: null, claims: [] }); // starts the period

    // Three periods while one tab keeps being charged: only the idle tab is claimed, and the busy one never.
    for (const charge of [1_000n, 2_000n, 3_000n]) {
      await payAll(p, busy, reqFor(receiver), [charge]);
      await p.store.saveProgress(NETWORK, { lastClaimAt: new Date(Date.now() - HOUR_MS - 1_000) });
      const run = runOf(await claimer.tick());
      if (charge === 1_000n) {
        expect(run.trigger).toBe("period");
        expect(run.claims.flatMap((c) => c.channels.map((ch) => ch.channelId))).toEqual([quietId.toLowerCase()]);
      } else expect(run).toMatchObject({ trigger: null, claims: [] });
    }
    expect((await onChain(busyId)).totalClaimed).toBe(0n);

    // Idle for a period now: claimed once, everything it was charged.
    await idleFor(p, busyId, HOUR_MS + 1_000);
    const run = runOf(await claimer.tick());
    expect(run.trigger).toBe("period");
    expect(run.claims.flatMap((c) => c.channels.map((ch) => ch.channelId))).toEqual([busyId.toLowerCase()]);
    expect((await onChain(busyId)).totalClaimed).toBe(6_000n);
    await claimer.stop();
  });

  it("claims a channel at once when its payer starts a withdrawal, well before the delay ends", async () => {
    const p = await freshProcess();
    const receiver = newAccount().address;
    const payer = await Payer.funded(chain.rpcUrl);
    const requirements = reqFor(receiver);
    const channelId = payer.channelId(requirements);
    const claimer = claimerOf(p);
    await payAll(p, payer, requirements, [PRICE, 6_000n, 8_000n]);
    const charged = payer.charged.get(channelId)!;
    // Below the threshold and before the period: nothing is due yet.
    expect(runOf(await claimer.tick())).toMatchObject({ trigger: null, claims: [] });

    const { balance: deposit } = await onChain(channelId);
    await payer.initiateWithdraw(requirements, deposit); // all of it: nothing was claimed yet
    const run = runOf(await claimer.tick());
    expect(run.withdrawals).toEqual([channelId.toLowerCase()]);
    expect(run.trigger).toBe("withdrawal");
    expect(run.claims).toHaveLength(1);
    expect((await onChain(channelId)).totalClaimed).toBe(charged);
    // Claimed inside the delay: the claim's block is before the withdrawal may be finalized.
    const [initiated] = await publicClient.getContractEvents({
      address: BATCH_SETTLEMENT_ADDRESS,
      abi: settlementAbi,
      eventName: "WithdrawInitiated",
      args: { channelId },
      fromBlock: 0n,
    });
    const claimReceipt = await publicClient.getTransactionReceipt({ hash: run.claims[0]!.transaction as Hex });
    const claimBlock = await publicClient.getBlock({ blockNumber: claimReceipt.blockNumber });
    expect(claimBlock.timestamp).toBeLessThan(BigInt(initiated!.args.finalizeAfter!));

    // After the delay the payer takes back exactly what was not charged; the receiver keeps the charges.
    const testClient = createTestClient({ chain: foundry, transport: http(chain.rpcUrl), mode: "anvil" });
    await testClient.increaseTime({ seconds: WITHDRAW_DELAY });
    await testClient.mine({ blocks: 1 });
    const payerBefore = await usdcBalance(chain.rpcUrl, chain.deployment.usdc, payer.account.address);
    await payer.finalizeWithdraw(requirements);
    expect(await usdcBalance(chain.rpcUrl, chain.deployment.usdc, payer.account.address)).toBe(payerBefore + deposit - charged);
    expect(await usdcBalance(chain.rpcUrl, chain.deployment.usdc, receiver)).toBe(charged);
    await claimer.stop();
  });

  it("claims no more than a channel holds: one a finished withdrawal emptied does not sink the batch", async () => {
    const p = await freshProcess();
    const receiver = newAccount().address;
    const requirements = reqFor(receiver);
    const [drained, healthy] = [await Payer.funded(chain.rpcUrl), await Payer.funded(chain.rpcUrl)];
    await payAll(p, drained, requirements, [PRICE]);
    await payAll(p, healthy, requirements, [6_000n]);
    const drainedId = drained.channelId(requirements);
    // No claimer ran during the whole delay: the payer takes everything back.
    await drained.initiateWithdraw(requirements, (await onChain(drainedId)).balance);
    const testClient = createTestClient({ chain: foundry, transport: http(chain.rpcUrl), mode: "anvil" });
    await testClient.increaseTime({ seconds: WITHDRAW_DELAY });
    await testClient.mine({ blocks: 1 });
    await drained.finalizeWithdraw(requirements);
    expect((await onChain(drainedId)).balance).toBe(0n);

    const claimer = claimerOf(p, { threshold: 1n });
    const run = runOf(await claimer.tick());
    expect(run.claims).toHaveLength(1);
    expect(run.claims[0]!.channels.map((c) => c.channelId)).toEqual([healthy.channelId(requirements).toLowerCase()]);
    expect(run.errors).toEqual([`${drainedId.toLowerCase()}: charged ${PRICE} but the channel holds 0; claiming that`]);
    // Said once: the empty channel does not set off a claim (and the same error) on every tick.
    expect(runOf(await claimer.tick())).toMatchObject({ trigger: null, claims: [], errors: [] });
    const reconciled = await reconcileTabs({ network: NETWORK, tabs: p.tabs, client: publicClient }, p.store);
    expect(reconciled.find((r) => r.channelId === drainedId.toLowerCase())?.mismatches).toEqual(["charges_above_balance"]);
  });

  it("claims the rest one by one when a row of the batch is refused on chain", async () => {
    const p = await freshProcess();
    const receiver = newAccount().address;
    const requirements = reqFor(receiver);
    const payers = [await Payer.funded(chain.rpcUrl), await Payer.funded(chain.rpcUrl), await Payer.funded(chain.rpcUrl)];
    for (const payer of payers) await payAll(p, payer, requirements, [5_000n]);
    // One stored voucher is not the payer's signature any more (a corrupted row): the contract refuses it.
    const [bad, ...good] = payers.map((payer) => payer.channelId(requirements).toLowerCase());
    const otherSignature = (await p.tabs.get(good[0]!))!.signature;
    await p.tabs.updateChannel(bad!, (current) => current && { ...current, signature: otherSignature });

    const claimer = claimerOf(p, { threshold: 1n });
    const run = runOf(await claimer.tick());
    expect(run.claims.flatMap((c) => c.channels.map((ch) => ch.channelId)).sort()).toEqual([...good].sort());
    expect(run.errors).toHaveLength(2); // the batch of three, then the bad row alone
    // The refused row is not tried again on every tick.
    expect(runOf(await claimer.tick())).toMatchObject({ trigger: null, claims: [], errors: [] });
    expect((await onChain(bad as Hex)).totalClaimed).toBe(0n);
    expect(await usdcBalance(chain.rpcUrl, chain.deployment.usdc, receiver)).toBe(10_000n);
  });

  it("runs on its own once started, logs its claims and a reconciliation, and stops cleanly", async () => {
    const p = await freshProcess();
    const receiver = newAccount().address;
    const payer = await Payer.funded(chain.rpcUrl);
    await payAll(p, payer, reqFor(receiver), [4_000n]);
    const lines: string[] = [];
    let reconciledLine: (line: string) => void = () => {};
    const reconciled = new Promise<string>((resolve) => (reconciledLine = resolve));
    const claimer = new TabClaimer({
      store: p.store,
      networks: [{ network: NETWORK, tabs: p.tabs, facilitator: p.facilitator, client: publicClient, receiverAuthorizer: facilitatorAccount.address, threshold: 1n }],
      intervalMs: HOUR_MS,
      pollMs: 60_000,
      log: (line) => {
        lines.push(line);
        if (line.includes("reconciled")) reconciledLine(line);
      },
    });
    claimer.start();
    expect(await reconciled).toBe(`${NETWORK}: 1 tab(s) reconciled with the chain, exact`);
    await claimer.stop();
    expect(lines[0]).toMatch(new RegExp(`^${NETWORK}: claimed 1 channel\\(s\\) \\(threshold\\) in 0x[0-9a-f]{64}$`));
    expect((await onChain(payer.channelId(reqFor(receiver)))).totalClaimed).toBe(4_000n);
    // Stopped: no more runs, and the lock is free for another claimer.
    expect((await claimer.tick()).role).toBe("standby");
    expect((await claimerOf(p).tick()).role).toBe("claimer");
  });

  it("logs a network that stays unreachable once, not on every poll, and says when it answers again", async () => {
    const p = await freshProcess();
    // The chain's RPC fails for the first five polls, then answers; we wait on the calls, not on time.
    let calls = 0;
    let reachedSeven: () => void = () => {};
    const seven = new Promise<void>((resolve) => (reachedSeven = resolve));
    const flaky = createPublicClient({
      chain: foundry,
      transport: custom({
        request: async (args: { method: string; params?: unknown }) => {
          calls += 1;
          if (calls >= 7) reachedSeven();
          if (calls <= 5) throw new Error("fetch failed");
          return publicClient.request(args as never);
        },
      }, { retryCount: 0 }), // one call per poll
    }) as PublicClient;
    const lines: string[] = [];
    const claimer = new TabClaimer({
      store: p.store,
      networks: [{ network: NETWORK, tabs: p.tabs, facilitator: p.facilitator, client: flaky, receiverAuthorizer: facilitatorAccount.address, threshold: NEVER }],
      intervalMs: HOUR_MS,
      pollMs: 1,
      log: (line) => lines.push(line),
    });
    claimer.start();
    await seven;
    await claimer.stop();
    const about = lines.filter((line) => line.startsWith(`${NETWORK}: `) && !line.includes("reconciled"));
    expect(about[0]).toContain("fetch failed");
    expect(about.filter((line) => line.includes("fetch failed"))).toHaveLength(1);
    expect(about).toContain(`${NETWORK}: answering again`);
  });

  it("resumes after a restart: watches from the last block seen and records a claim a dead run sent", async () => {
    const p = await freshProcess();
    const receiver = newAccount().address;
    const requirements = reqFor(receiver);
    const [early, payer, other] = [await Payer.funded(chain.rpcUrl), await Payer.funded(chain.rpcUrl), await Payer.funded(chain.rpcUrl)];
    // The first claimer handles one withdrawal, then stops.
    await payAll(p, early, requirements, [2_000n]);
    await early.initiateWithdraw(requirements, 1_000n);
    const first = claimerOf(p);
    const before = runOf(await first.tick());
    expect(before).toMatchObject({ trigger: "withdrawal", withdrawals: [early.channelId(requirements).toLowerCase()] });
    await first.stop();

    // While no claimer runs: charges, a withdrawal, and a claim that a dying run sent but never recorded.
    await payAll(p, payer, requirements, [PRICE, 5_000n]);
    await payAll(p, other, requirements, [7_000n]);
    await payer.initiateWithdraw(requirements, 1_000n);
    const otherId = other.channelId(requirements);
    const otherChannel = (await p.tabs.get(otherId))!;
    const sent = await p.facilitator.settle(
      {
        x402Version: 2,
        accepted: requirements,
        payload: {
          type: "claim",
          claims: [
            {
              voucher: { channel: otherChannel.channelConfig, maxClaimableAmount: otherChannel.signedMaxClaimable },
              signature: otherChannel.signature,
              totalClaimed: otherChannel.chargedCumulativeAmount,
            },
          ],
        },
      },
      requirements,
    );
    expect(sent.success).toBe(true);

    const second = claimerOf(p);
    const run = runOf(await second.tick());
    // Only the new withdrawal: the blocks the first claimer read are not read again.
    expect(run.withdrawals).toEqual([payer.channelId(requirements).toLowerCase()]);
    expect(run.trigger).toBe("withdrawal");
    // The dead run's claim is recorded from the chain, not sent again; only the other channel is claimed.
    expect(run.synced).toEqual([{ channelId: otherId.toLowerCase(), amount: "7000", totalClaimed: "7000" }]);
    expect(run.claims).toHaveLength(1);
    expect(run.claims[0]!.channels.map((c) => c.channelId)).toEqual([payer.channelId(requirements).toLowerCase()]);
    expect(await usdcBalance(chain.rpcUrl, chain.deployment.usdc, receiver)).toBe(2_000n + PRICE + 5_000n + 7_000n);
    const reconciled = await reconcileTabs({ network: NETWORK, tabs: p.tabs, client: publicClient }, p.store);
    expect(reconciled.flatMap((r) => r.mismatches)).toEqual([]);
    // Progress: every block up to the one before the run's own claim was watched.
    const claimed = await publicClient.getTransactionReceipt({ hash: run.claims[0]!.transaction as Hex });
    expect((await p.store.progress(NETWORK)).lastBlock).toBe(claimed.blockNumber - 1n);
    await second.stop();
  });
});

describe("two claimers on one Postgres (two server processes, one facilitator key)", () => {
  let server: TestPostgres;
  let opened: OpenedLedgerDb[] = [];
  let processes: Process[];
  beforeAll(async () => {
    server = await startPostgres();
    opened = await Promise.all([openLedgerDb({ databaseUrl: server.url }), openLedgerDb({ databaseUrl: server.url })]);
    processes = await Promise.all(opened.map(processOn));
  });
  afterAll(async () => {
    await Promise.all(opened.map((o) => o.close()));
    await server?.stop();
  });

  it("one claims and the other stands by: one claim, no nonce collision; the other takes over when it stops", async () => {
    const [one, two] = processes as [Process, Process];
    const receiver = newAccount().address;
    const requirements = reqFor(receiver);
    const payers = [await Payer.funded(chain.rpcUrl), await Payer.funded(chain.rpcUrl)];
    // Charged through both processes, into the one database.
    await payAll(one, payers[0]!, requirements, [PRICE, 3_000n]);
    await payAll(two, payers[1]!, requirements, [4_500n]);
    const claimers = [claimerOf(one), claimerOf(two)];
    const nonceBefore = await facilitatorNonce();

    const reports = await Promise.all(claimers.map((c) => c.claimNow()));
    expect(reports.map((r) => r.role).sort()).toEqual(["claimer", "standby"]);
    const holder = reports.findIndex((r) => r.role === "claimer");
    const run = runOf(reports[holder]!);
    expect(run.errors).toEqual([]);
    expect(run.claims).toHaveLength(1);
    expect(run.claims[0]!.channels).toHaveLength(2);
    // Exactly the holder's two transactions (claim, settle) from the shared key.
    expect(await facilitatorNonce()).toBe(nonceBefore + 2);
    for (const payer of payers) {
      const id = payer.channelId(requirements);
      expect((await onChain(id)).totalClaimed).toBe(payer.charged.get(id));
      expect((await one.tabs.listEvents(id)).filter((e) => e.kind === "claim")).toHaveLength(1);
    }
    expect(await usdcBalance(chain.rpcUrl, chain.deployment.usdc, receiver)).toBe(PRICE + 3_000n + 4_500n);
    const reconciled = await reconcileTabs({ network: NETWORK, tabs: one.tabs, client: publicClient }, one.store);
    expect(reconciled.flatMap((r) => r.mismatches)).toEqual([]);

    // The standby stays so while the holder lives, and takes over (with the holder's progress) once it stops.
    const standby = claimers[1 - holder]!;
    expect((await standby.tick()).role).toBe("standby");
    await payAll(one, payers[0]!, requirements, [1_000n]);
    await claimers[holder]!.stop();
    const takeover = runOf(await standby.claimNow());
    expect(takeover.claims).toHaveLength(1);
    expect((await onChain(payers[0]!.channelId(requirements))).totalClaimed).toBe(PRICE + 4_000n);
    await standby.stop();
  });
});
