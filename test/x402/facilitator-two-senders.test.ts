import pg from "pg";
import { createWalletClient, custom, http, publicActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { describe, expect, it } from "vitest";
import { createLocalFacilitator } from "@/lib/x402/facilitator/local";
import { FacilitatorSender, isNonceTaken, postgresSendLock } from "@/lib/x402/facilitator/sender";
import { setEnv, testChainFixture, fixture } from "../support/fixtures";
import { startPostgres } from "../support/postgres";
import { marketRequirements, fundedPayer, usdcBalance, x402ClientFor } from "./support";

const chain = testChainFixture();
fixture(async () => setEnv({ DATA_DIR: "memory://" }), (restore) => restore());
const postgres = fixture(startPostgres, (pg) => pg.stop());

const requirements = marketRequirements;

describe("two facilitators on one key and one Postgres (two app processes)", () => {
  it("settle 20 payments each, all at once, and every one settles", async () => {
    // Each instance has its own senders, as each app process has; only the database is shared.
    const locks = [postgresSendLock(postgres().url), postgresSendLock(postgres().url)];
    const facilitators = locks.map((sendLock) => createLocalFacilitator({ sendLock }));
    try {
      const req = requirements();
      const payers = await Promise.all(Array.from({ length: 40 }, () => fundedPayer(chain.rpcUrl, "1")));
      const payloads = await Promise.all(
        payers.map((payer) =>
          x402ClientFor(payer).createPaymentPayload({ x402Version: 2, resource: { url: "http://test/resource" }, accepts: [req] }),
        ),
      );
      const before = await usdcBalance(chain.rpcUrl, req.payTo as `0x${string}`);
      const settled = await Promise.all(
        payloads.map((payload, i) =>
          facilitators[i % 2]!.settle(payload, req).then(
            (r) => r.errorReason ?? "ok",
            (err: Error) => `threw: ${err.message.split("\n")[0]}`,
          ),
        ),
      );
      expect(settled).toEqual(Array(40).fill("ok"));
      expect(await usdcBalance(chain.rpcUrl, req.payTo as `0x${string}`)).toBe(before + 40n * BigInt(req.amount));
    } finally {
      await Promise.all(locks.map((lock) => lock.close()));
    }
  });

  it("tells a nonce already taken from other refusals", () => {
    const wrapped = (message: string) => new Error("Transaction failed", { cause: new Error(message) });
    expect(isNonceTaken(wrapped("Nonce provided for the transaction is lower than the current nonce of the account."))).toBe(true);
    expect(isNonceTaken(wrapped("nonce too low"))).toBe(true);
    expect(isNonceTaken(wrapped("replacement transaction underpriced"))).toBe(true);
    // The same signed transaction is already in the pool: sending it again under a new nonce would duplicate it.
    expect(isNonceTaken(wrapped("already known"))).toBe(false);
    expect(isNonceTaken(wrapped("execution reverted: FiatTokenV2: authorization is used or canceled"))).toBe(false);
  });
});

describe("a send refused for its nonce", () => {
  it("is sent again with the next nonce when a sender outside the lock took it", async () => {
    const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // the local facilitator's
    const account = privateKeyToAccount(key);
    const base = http(chain.rpcUrl)({ chain: foundry });
    const outsider = createWalletClient({ account: privateKeyToAccount(key), chain: foundry, transport: http(chain.rpcUrl) }).extend(publicActions);
    let taken: number | undefined;
    // Just before our first transaction reaches the node, another sender of the key (outside any lock of ours)
    // sends one with the same nonce.
    const interfering = custom({
      async request({ method, params }) {
        if (method === "eth_sendRawTransaction" && taken === undefined) {
          taken = await outsider.getTransactionCount({ address: account.address, blockTag: "pending" });
          await outsider.sendTransaction({ to: account.address, value: 0n, nonce: taken });
        }
        return base.request({ method, params });
      },
    });
    const client = createWalletClient({ account, chain: foundry, transport: interfering }).extend(publicActions);
    const sender = new FacilitatorSender(client, account, async (_key, fn) => fn());
    const hash = await sender.sendTransaction({ to: account.address, data: "0x" });
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    expect((await client.getTransaction({ hash })).nonce).toBe(taken! + 1);
  });
});

describe("the send lock", () => {
  it("lets a second process send only once the first has sent", async () => {
    const [first, second] = [postgresSendLock(postgres().url), postgresSendLock(postgres().url)];
    const events: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const firstStarted = new Promise<void>((resolve) => (started = resolve));
    try {
      const a = first("facilitator-nonce:test", async () => {
        events.push("first sends");
        started();
        await held;
        events.push("first sent");
      });
      await firstStarted;
      const b = second("facilitator-nonce:test", async () => {
        events.push("second sends");
      });
      // Readiness, not a sleep: the second is either blocked on the advisory lock in Postgres or (without the
      // lock) already through.
      const watcher = new pg.Client({ connectionString: postgres().url });
      await watcher.connect();
      try {
        for (;;) {
          if (events.includes("second sends")) break;
          const { rows } = await watcher.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted");
          if (rows[0].n > 0) break;
        }
      } finally {
        await watcher.end();
      }
      release();
      await Promise.all([a, b]);
      expect(events).toEqual(["first sends", "first sent", "second sends"]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
