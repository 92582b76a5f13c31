/**
 * The in-app transaction view's reader (/tx/:hash), against a real anvil with the real LocalUSDC, read as the
 * browser reads it: through the app's read-only relay route.
 */
import { createPublicClient, createWalletClient, custom, http, parseAbi, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { POST as relayRoute } from "@/app/api/rpc/[chainId]/route";
import { readTransaction } from "@/components/tx/read-transaction";
import { NETWORKS } from "@/lib/chains/networks";
import { fundLocalAccount } from "@/lib/devchain";
import { testChainFixture } from "../support/fixtures";

const anvil = testChainFixture();
const PAY_TO = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"; // anvil #8

let ids = 0;
const viaRelay = createPublicClient({
  transport: custom({
    async request({ method, params }: { method: string; params?: unknown }) {
      const body = JSON.stringify({ jsonrpc: "2.0", id: ++ids, method, params: params ?? [] });
      const res = await relayRoute(new Request("http://app.test/api/rpc/31337", { method: "POST", body, headers: { "content-type": "application/json" } }), {
        params: Promise.resolve({ chainId: "31337" }),
      });
      const answer = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
      if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
      return answer.result;
    },
  }),
});

describe("readTransaction", () => {
  it("shows a USDC payment: succeeded, its block, and the Transfer from payer to payee", async () => {
    const payer = privateKeyToAccount(generatePrivateKey());
    await fundLocalAccount(anvil.rpcUrl, payer.address, { usdc: 1_000000n, eth: 10n ** 17n });
    const wallet = createWalletClient({ account: payer, transport: http(anvil.rpcUrl) });
    const direct = createPublicClient({ transport: http(anvil.rpcUrl) });
    const hash = await wallet.writeContract({
      chain: null,
      address: NETWORKS.local.usdc.address,
      abi: parseAbi(["function transfer(address to, uint256 value) returns (bool)"]),
      functionName: "transfer",
      args: [PAY_TO, 10_000n],
    });
    const mined = await direct.waitForTransactionReceipt({ hash });

    const view = await readTransaction(viaRelay, NETWORKS.local, hash);
    expect(view).toMatchObject({ found: true, hash, status: "success", blockNumber: mined.blockNumber, sender: payer.address, otherLogs: 0 });
    if (!view.found) throw new Error("unreachable");
    expect(view.to?.toLowerCase()).toBe(NETWORKS.local.usdc.address.toLowerCase());
    expect(view.transfers).toEqual([{ from: payer.address, to: PAY_TO, value: 10_000n }]);
    expect(view.timestamp).toBe((await direct.getBlock({ blockNumber: mined.blockNumber })).timestamp);
  });

  it("says a hash the chain does not know is not found", async () => {
    const unknown = `0x${"12".repeat(32)}` as Hex;
    expect(await readTransaction(viaRelay, NETWORKS.local, unknown)).toEqual({ found: false, hash: unknown });
  });
});
