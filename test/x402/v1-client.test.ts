/**
 * The official x402 v1 client (`x402-fetch` 1.2, with `X-PAYMENT`) pays our Base Sepolia agent on a local stand-in
 * for Base Sepolia (chain id 84532, USDC at its address signing as "USDC"), through our facilitator
 * (FACILITATOR_PRIVATE_KEY set), and reads `X-PAYMENT-RESPONSE`; the USDC moves on chain.
 */
import { createPublicClient, createWalletClient, erc20Abi, http, parseEther, parseEventLogs, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { baseSepolia } from "viem/chains";
import { describe, expect, it } from "vitest";
import { decodeXPaymentResponse, wrapFetchWithPayment } from "x402-fetch";
import { getAgent } from "@/lib/agents/registry";
import { NETWORKS } from "@/lib/chains/networks";
import { ensureStandInContracts, fundLocalAccount, startAnvil } from "@/lib/devchain";
import { handlePaidAgentChat } from "@/lib/x402/server/paid-chat";
import { serveRoutes } from "../../lib/devtools/route-server";
import { fixture, setEnv } from "../support/fixtures";

const AGENT = "00000000-0000-0000-0000-000000000004"; // Base Sepolia Wallet Assistant
const network = NETWORKS["base-sepolia"];
/** anvil's account #1: funded on every fresh anvil, stand-ins included. */
const FACILITATOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

const stack = fixture(
  async () => {
    const anvil = await startAnvil({ port: 0, silent: true, chainId: network.chainId });
    await ensureStandInContracts(anvil.rpcUrl, "base-sepolia");
    const restoreEnv = setEnv({ BASE_SEPOLIA_RPC_URL: anvil.rpcUrl, FACILITATOR_PRIVATE_KEY: FACILITATOR_KEY, DATA_DIR: "memory://" });
    const server = await serveRoutes([
      { method: "POST", path: "/api/x402/:agentId/chat", handle: (req, p) => handlePaidAgentChat(req, p.agentId!) },
    ]);
    return { anvil, server, restoreEnv };
  },
  async ({ anvil, server, restoreEnv }) => {
    await server.close();
    restoreEnv();
    await anvil.stop();
  },
);

describe("x402-fetch 1.2 (the official v1 client) on the Base Sepolia stand-in", () => {
  it("pays our Base Sepolia agent with X-PAYMENT and reads X-PAYMENT-RESPONSE; the price moves on chain", async () => {
    const { anvil, server } = stack();
    const payer = privateKeyToAccount(generatePrivateKey());
    await fundLocalAccount(anvil.rpcUrl, payer.address, { usdc: 1_000000n, eth: parseEther("0.01") }, { chainId: network.chainId, usdc: network.usdc.address });
    const chain = { ...baseSepolia, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
    const wallet = createWalletClient({ account: payer, chain, transport: http(anvil.rpcUrl) });

    const sent: Headers[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      sent.push(new Headers(init?.headers));
      return fetch(input, init);
    };
    const pay = wrapFetchWithPayment(recordingFetch, wallet as unknown as Parameters<typeof wrapFetchWithPayment>[1]);
    const res = await pay(`${server.url}/api/x402/${AGENT}/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: `What are the balances of ${payer.address}?` }] }),
    });
    if (res.status !== 200) throw new Error(`${res.status}: ${await res.text()}`);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.get("X-PAYMENT")).toBeTruthy();
    expect(sent[1]!.get("PAYMENT-SIGNATURE")).toBeNull();
    const reply = (await res.json()) as { messages: { content: string }[] };
    expect(reply.messages.at(-1)?.content).toMatch(/USDC/);

    const header = res.headers.get("X-PAYMENT-RESPONSE");
    expect(header).toBeTruthy();
    const receipt = decodeXPaymentResponse(header!);
    expect(receipt).toMatchObject({ success: true, network: "base-sepolia", payer: payer.address.toLowerCase() });

    // The transfer on chain: exactly the agent's price, from the payer to the agent's payTo, in Base Sepolia's USDC.
    const client = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
    const tx = await client.getTransactionReceipt({ hash: receipt.transaction as Hex });
    const [transfer] = parseEventLogs({ abi: erc20Abi, eventName: "Transfer", logs: tx.logs });
    const agent = getAgent(AGENT)!;
    expect(transfer).toMatchObject({ address: network.usdc.address.toLowerCase(), args: { from: payer.address, to: agent.payTo, value: 2000n } });
    expect(await client.readContract({ address: network.usdc.address, abi: erc20Abi, functionName: "balanceOf", args: [payer.address] })).toBe(998_000n);
  });
});
