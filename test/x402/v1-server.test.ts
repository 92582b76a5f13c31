/**
 * Our browser's paying fetch pays an outside v1 agent: a test double built on `x402-express` 1.2 (the official v1
 * server middleware), priced "$0.01" on "base-sepolia", on the local Base Sepolia stand-in. v1's facilitator for such
 * a server must be one that reaches the stand-in: ours, the in-process x402 facilitator served over HTTP here without
 * the app's guard (which serves only this app's agents). The payer sends X-PAYMENT and the USDC moves on chain.
 */
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { createPublicClient, erc20Abi, http, parseEther, parseEventLogs, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { decodeXPaymentResponse } from "x402-fetch";
import { NETWORKS } from "@/lib/chains/networks";
import { ensureStandInContracts, fundLocalAccount, startAnvil } from "@/lib/devchain";
import { getLocalFacilitator } from "@/lib/x402/facilitator";
import { createPayingFetch } from "@/lib/x402/payer/paying-fetch";
import { DEFAULT_POLICY } from "@/lib/x402/payer/policy";
import { serveRoutes } from "../../lib/devtools/route-server";
import { fixture, setEnv } from "../support/fixtures";

const network = NETWORKS["base-sepolia"];
const FACILITATOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // anvil #1
const SELLER = privateKeyToAccount(generatePrivateKey()).address;

// x402-express is written for express 4, which it brings along (the app's tree has express 5 for another package).
const requireFromMiddleware = createRequire(createRequire(import.meta.url).resolve("x402-express"));
type Express = { (): ExpressApp };
type ExpressApp = {
  use(handler: unknown): void;
  post(path: string, handler: (req: unknown, res: { json(body: unknown): void }) => void): void;
  listen(port: number, host: string, ready: () => void): { address(): AddressInfo | string | null; close(done: () => void): void; closeAllConnections(): void };
};

const stack = fixture(
  async () => {
    const anvil = await startAnvil({ port: 0, silent: true, chainId: network.chainId });
    await ensureStandInContracts(anvil.rpcUrl, "base-sepolia");
    const restoreEnv = setEnv({ BASE_SEPOLIA_RPC_URL: anvil.rpcUrl, FACILITATOR_PRIVATE_KEY: FACILITATOR_KEY });
    const facilitator = getLocalFacilitator();
    const call = (operation: "verify" | "settle") => async (req: Request) => {
      type Args = Parameters<typeof facilitator.verify>;
      const { paymentPayload, paymentRequirements } = (await req.json()) as { paymentPayload: Args[0]; paymentRequirements: Args[1] };
      return Response.json(await facilitator[operation](paymentPayload, paymentRequirements));
    };
    const facilitatorServer = await serveRoutes([
      { method: "POST", path: "/verify", handle: call("verify") },
      { method: "POST", path: "/settle", handle: call("settle") },
      { method: "GET", path: "/supported", handle: async () => Response.json(await facilitator.getSupported()) },
    ]);

    const express = requireFromMiddleware("express") as Express;
    const { paymentMiddleware } = (await import("x402-express")) as { paymentMiddleware: (...args: unknown[]) => unknown };
    const app = express();
    app.use(paymentMiddleware(SELLER, { "POST /chat": { price: "$0.01", network: "base-sepolia" } }, { url: facilitatorServer.url }));
    app.post("/chat", (_req, res) => res.json({ reply: "paid v1 reply" }));
    const seller = await new Promise<ReturnType<ExpressApp["listen"]>>((resolve) => {
      const server = app.listen(0, "127.0.0.1", () => resolve(server));
    });
    const sellerUrl = `http://127.0.0.1:${(seller.address() as AddressInfo).port}`;
    return { anvil, facilitatorServer, seller, sellerUrl, restoreEnv };
  },
  async ({ anvil, facilitatorServer, seller, restoreEnv }) => {
    seller.closeAllConnections();
    await new Promise<void>((resolve) => seller.close(() => resolve()));
    await facilitatorServer.close();
    restoreEnv();
    await anvil.stop();
  },
);

describe("our paying fetch against an x402-express 1.2 server on the Base Sepolia stand-in", () => {
  it("reads its v1 402, pays it with X-PAYMENT, gets the reply and an X-PAYMENT-RESPONSE; the USDC moved", async () => {
    const { anvil, sellerUrl } = stack();
    const payer = privateKeyToAccount(generatePrivateKey());
    await fundLocalAccount(anvil.rpcUrl, payer.address, { usdc: 1_000000n, eth: parseEther("0.01") }, { chainId: network.chainId, usdc: network.usdc.address });
    const client = createPublicClient({ transport: http(anvil.rpcUrl) });
    const balanceOf = (address: Address) => client.readContract({ address: network.usdc.address, abi: erc20Abi, functionName: "balanceOf", args: [address] });

    const sent: Headers[] = [];
    const paid: bigint[] = [];
    const asked: unknown[] = [];
    const payingFetch = createPayingFetch({
      network,
      signer: () => ({ address: payer.address, signTypedData: (message) => payer.signTypedData(message as never) }),
      shownPrice: () => ({ network: network.caip2, asset: network.usdc.address, payTo: SELLER, amount: 10_000n }),
      policy: () => ({ policy: DEFAULT_POLICY, spent: { session: 0n, today: 0n } }),
      approve: async (request) => {
        asked.push(request);
        return false;
      },
      usdcBalance: balanceOf,
      chainHead: () => client.getBlockNumber(),
      onPaid: ({ amount }) => void paid.push(amount),
      baseFetch: (input, init) => {
        sent.push(new Headers(init?.headers));
        return fetch(input, init);
      },
    });

    const res = await payingFetch(`${sellerUrl}/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    if (res.status !== 200) throw new Error(`${res.status}: ${await res.text()}`);
    expect(await res.json()).toEqual({ reply: "paid v1 reply" });
    expect(asked).toEqual([]);
    expect(paid).toEqual([10_000n]);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.get("X-PAYMENT")).toBeTruthy();

    const receipt = decodeXPaymentResponse(res.headers.get("X-PAYMENT-RESPONSE")!);
    expect(receipt).toMatchObject({ success: true, network: "base-sepolia" });
    const tx = await client.getTransactionReceipt({ hash: receipt.transaction as Hex });
    const [transfer] = parseEventLogs({ abi: erc20Abi, eventName: "Transfer", logs: tx.logs });
    expect(transfer?.args).toEqual({ from: payer.address, to: SELLER, value: 10_000n });
    expect(await balanceOf(payer.address)).toBe(990_000n);
    expect(await balanceOf(SELLER)).toBe(10_000n);
  });
});
