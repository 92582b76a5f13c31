import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAgent, priceAtomic } from "@/lib/agents/registry";
import { Ledger, openLedgerDb, type Payment } from "@/lib/ledger";
import { handleFacilitatorRequest, handleFacilitatorSupported } from "@/lib/x402/facilitator/http";
import { serveRoutes } from "../../lib/devtools/route-server";
import { testChainFixture } from "../support/fixtures";
import { MARKET_AGENT, chatBody, fundedPayer, signProofFor, usdcBalance } from "../x402/support";
import { startPaidServerProcess, type PaidServerProcess } from "./support/child";
import { usdcTransfers } from "./support/chain";

const anvil = testChainFixture();
let dataDir: string;
let facilitator: Awaited<ReturnType<typeof serveRoutes>>;
let server: PaidServerProcess | undefined;
let holdSettle = true;
let settleSeen: () => void;
const settleArrived = new Promise<void>((resolve) => (settleSeen = resolve));
const market = () => getAgent(MARKET_AGENT)!;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "x402-crash-"));
  // A facilitator test double: our real facilitator for /supported and /verify, but /settle is held
  // open (never forwarded) until the test lets it through, so the server can die in between.
  facilitator = await serveRoutes([
    { method: "GET", path: "/supported", handle: () => handleFacilitatorSupported() },
    { method: "POST", path: "/verify", handle: (req) => handleFacilitatorRequest(req, "verify") },
    {
      method: "POST",
      path: "/settle",
      handle: (req) => {
        if (!holdSettle) return handleFacilitatorRequest(req, "settle");
        settleSeen();
        return new Promise<Response>(() => undefined); // held until the connection dies with the server
      },
    },
  ]);
});
afterAll(async () => {
  server?.child.kill("SIGKILL");
  await server?.exited;
  await facilitator?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const serverEnv = () => ({
  DATA_DIR: dataDir,
  LOCAL_RPC_URL: anvil.rpcUrl,
  FACILITATOR_URL: facilitator.url,
  RECONCILE_AFTER_MS: "0",
});

/** The server's PGlite folder, opened while no server holds it (PGlite is one process at a time). */
async function ledgerRowsOf(payer: string): Promise<Payment[]> {
  const opened = await openLedgerDb({ dataDir });
  try {
    return await new Ledger(opened.db).listPayments({ payer });
  } finally {
    await opened.close();
  }
}

async function stop(proc: PaidServerProcess, signal: NodeJS.Signals) {
  proc.child.kill(signal);
  await proc.exited;
}

describe("the server is killed between verify and settle", () => {
  it("leaves the payment settling with nothing moved; the restarted server settles it exactly once", async () => {
    server = await startPaidServerProcess(serverEnv());
    const chatUrl = `${server.url}/api/x402/${MARKET_AGENT}/chat`;
    const payer = await fundedPayer(anvil.rpcUrl);
    const before = await usdcBalance(anvil.rpcUrl, payer.address);
    const { header } = await signProofFor(payer, chatUrl);

    const reply = fetch(chatUrl, { method: "POST", headers: { "PAYMENT-SIGNATURE": header }, body: chatBody("What is the current price of ETH?") })
      .then((res) => res.text())
      .catch(() => "connection lost");
    await settleArrived;
    await stop(server, "SIGKILL");
    await reply;

    const payTo = market().payTo as `0x${string}`;
    expect(await usdcBalance(anvil.rpcUrl, payer.address)).toBe(before);
    expect(await usdcTransfers(anvil.rpcUrl, payer.address, payTo)).toEqual([]);
    const [crashed] = await ledgerRowsOf(payer.address);
    expect(crashed).toMatchObject({ status: "settling", paymentPayload: expect.stringContaining(payer.address) });

    holdSettle = false;
    server = await startPaidServerProcess(serverEnv());
    // Its start reconciles: the payment is settled through the facilitator, now answering.
    await server.waitForLine(new RegExp(`reconciled payment ${crashed!.id}: retried`));
    await stop(server, "SIGTERM");

    const transfers = await usdcTransfers(anvil.rpcUrl, payer.address, payTo);
    expect(transfers).toEqual([{ value: priceAtomic(market()), transactionHash: expect.any(String) }]);
    expect(await usdcBalance(anvil.rpcUrl, payer.address)).toBe(before - priceAtomic(market()));
    const rows = await ledgerRowsOf(payer.address);
    expect(rows).toEqual([expect.objectContaining({ id: crashed!.id, status: "settled", txHash: transfers[0]!.transactionHash })]);
  });
});
