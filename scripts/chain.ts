/**
 * The local dev chain on its own:
 *
 *   tsx scripts/chain.ts start [--as base-sepolia|base] [--port 8545] [--host 127.0.0.1] [--state <file>] [--verbose]
 *       starts anvil with its state in <file> (default $DATA_DIR/anvil-state.json, DATA_DIR=.data), puts
 *       our contracts on it and stays in the foreground; Ctrl-C stops it and saves the state.
 *       --as makes it a local stand-in for Base Sepolia or Base instead (lib/devchain/stand-in.ts): that chain id,
 *       our USDC at that network's USDC address under its EIP-712 name, Multicall3 and the tab contracts; its
 *       state defaults to $DATA_DIR/anvil-state-<network>.json. Point BASE_SEPOLIA_RPC_URL / BASE_RPC_URL at it.
 *   tsx scripts/chain.ts reset [--state <file>]
 *       deletes the saved state, so the next start begins from a fresh chain.
 */
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { NETWORKS } from "../lib/chains/networks";
import { ensureLocalContracts, ensureStandInContracts, isStandInKey, startAnvil, STAND_IN_KEYS } from "../lib/devchain";
import { env } from "../lib/env";

const USAGE = `usage: tsx scripts/chain.ts start [--as base-sepolia|base] [--port 8545] [--host 127.0.0.1] [--state <file>] [--verbose]
       tsx scripts/chain.ts reset [--as base-sepolia|base] [--state <file>]`;

const root = path.resolve(import.meta.dirname, "..");

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    as: { type: "string" },
    port: { type: "string", default: "8545" },
    host: { type: "string", default: "127.0.0.1" },
    state: { type: "string" },
    verbose: { type: "boolean", default: false },
  },
});

if (values.as !== undefined && !isStandInKey(values.as)) {
  console.error(`--as takes ${STAND_IN_KEYS.join(" or ")}, not "${values.as}"\n${USAGE}`);
  process.exit(2);
}
const standIn = isStandInKey(values.as) ? values.as : null;

const stateFile = values.state
  ? path.resolve(values.state)
  : path.resolve(root, env.DATA_DIR, standIn ? `anvil-state-${standIn}.json` : "anvil-state.json");

async function start(): Promise<void> {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`invalid --port ${values.port}`);

  const chainId = standIn ? NETWORKS[standIn].chainId : undefined;
  const anvil = await startAnvil({ host: values.host, port, stateFile, silent: !values.verbose, chainId });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await anvil.stop();
    process.exit(code);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));
  anvil.process.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(`anvil exited unexpectedly (${code ?? signal})`);
    process.exit(1);
  });

  try {
    if (standIn) {
      const network = NETWORKS[standIn];
      const standInDeployment = await ensureStandInContracts(anvil.rpcUrl, standIn);
      console.log(`${network.name} stand-in at ${anvil.rpcUrl} (chain id ${standInDeployment.chainId})`);
      console.log(`  state         ${displayPath(stateFile)}`);
      console.log(`  USDC          ${standInDeployment.usdc} (EIP-712 "${network.usdc.eip712Name}" version "${network.usdc.eip712Version}")`);
      console.log(`  Multicall3    ${standInDeployment.multicall3}`);
      console.log(`  tabs          ${standInDeployment.batchSettlement}`);
      console.log(`  owner         ${standInDeployment.owner} (anvil account #0)`);
      console.log(`Use it: ${network.rpcEnv}=${anvil.rpcUrl} (and FACILITATOR_PRIVATE_KEY for our facilitator to serve it).`);
      console.log("Ctrl-C stops the chain and saves its state.");
      return;
    }
    const deployment = await ensureLocalContracts(anvil.rpcUrl);
    console.log(`Local chain at ${anvil.rpcUrl} (chain id ${deployment.chainId})`);
    console.log(`  state         ${displayPath(stateFile)}`);
    console.log(`  USDC          ${deployment.usdc}`);
    console.log(`  ETH/USD feed  ${deployment.priceFeed}`);
    console.log(`  Multicall3    ${deployment.multicall3}`);
    console.log(`  owner         ${deployment.owner} (anvil account #0)`);
    console.log("Ctrl-C stops the chain and saves its state.");
  } catch (error) {
    console.error((error as Error).message);
    await stop(1);
  }
}

/** Relative to the working directory when inside it, which is shorter to read. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") ? file : relative;
}

function reset(): void {
  if (!existsSync(stateFile)) {
    console.log(`no saved chain state at ${displayPath(stateFile)}`);
    return;
  }
  rmSync(stateFile);
  console.log(`deleted ${displayPath(stateFile)}: the next start begins from a fresh chain`);
}

const command = positionals[0];
if (command === "start") {
  start().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
} else if (command === "reset") {
  reset();
} else {
  console.error(USAGE);
  process.exit(2);
}
