import { createPublicClient, erc20Abi, http, type Address } from "viem";
import { USDC } from "../../x402/support";

/** Every USDC Transfer from `from` to `to` on the chain, from block 0: what really moved, one entry per transfer. */
export async function usdcTransfers(rpcUrl: string, from: Address, to: Address) {
  const chain = createPublicClient({ transport: http(rpcUrl) });
  const logs = await chain.getLogs({
    address: USDC,
    event: erc20Abi.find((item) => item.type === "event" && item.name === "Transfer")!,
    args: { from, to },
    fromBlock: 0n,
  });
  return logs.map((log) => ({ value: log.args.value!, transactionHash: log.transactionHash }));
}

/** Moves the chain's clock forward and mines a block, so authorizations signed for "now" expire. */
export async function advanceChainTime(rpcUrl: string, seconds: number): Promise<void> {
  const chain = createPublicClient({ transport: http(rpcUrl) });
  await chain.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
  await chain.request({ method: "evm_mine" as never, params: [] as never });
}
