import { afterAll, beforeAll } from "vitest";
import { ensureLocalContracts, startAnvil, type Anvil, type LocalDeployment } from "@/lib/devchain";
import { serveRoutes, type Route } from "../../lib/devtools/route-server";

/**
 * Starts something before the tests of the file (or describe block) it is called in, and stops it after them.
 * The getter reads it in tests and in hooks registered after this call (they run after its start).
 */
export function fixture<T>(start: () => Promise<T>, stop: (value: T) => Promise<void> | void): () => T {
  let value: { current: T } | undefined;
  beforeAll(async () => {
    value = { current: await start() };
  });
  afterAll(async () => {
    if (value) await stop(value.current);
  });
  return () => {
    if (!value) throw new Error("fixture read before its beforeAll ran (or after it failed)");
    return value.current;
  };
}

/** Sets environment variables for the duration of a fixture: returns the undo. */
export function setEnv(vars: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

export interface TestChainOptions {
  /** Deploy our contracts (USDC, price feeds); default true. */
  contracts?: boolean;
  /** Make it the app's local network (LOCAL_RPC_URL, restored afterwards); default true. */
  asLocalChain?: boolean;
}

export interface TestChain {
  anvil: Anvil;
  rpcUrl: string;
  /** Our contracts on it (only with `contracts`). */
  deployment: LocalDeployment | undefined;
  stop(): Promise<void>;
}

/** A fresh anvil on a free port, with our contracts unless told otherwise. */
export async function startTestChain({ contracts = true, asLocalChain = true }: TestChainOptions = {}): Promise<TestChain> {
  const anvil = await startAnvil({ port: 0, silent: true });
  const deployment = contracts ? await ensureLocalContracts(anvil.rpcUrl) : undefined;
  const restoreEnv = asLocalChain ? setEnv({ LOCAL_RPC_URL: anvil.rpcUrl }) : () => {};
  return {
    anvil,
    rpcUrl: anvil.rpcUrl,
    deployment,
    async stop() {
      restoreEnv();
      await anvil.stop();
    },
  };
}

/** A test chain for the file (or describe block): `chain.rpcUrl` inside tests. */
export function testChainFixture(options?: TestChainOptions): Readonly<Omit<TestChain, "stop" | "deployment"> & { deployment: LocalDeployment }> {
  const chain = fixture(() => startTestChain(options), (c) => c.stop());
  return {
    get anvil() {
      return chain().anvil;
    },
    get rpcUrl() {
      return chain().rpcUrl;
    },
    get deployment() {
      const { deployment } = chain();
      if (!deployment) throw new Error("testChainFixture({ contracts: false }) deploys no contracts");
      return deployment;
    },
  };
}

/** App route handlers served over HTTP on 127.0.0.1 for the file (or describe block): `app.url` inside tests. */
export function routesFixture(routes: Route[]): { readonly url: string } {
  const server = fixture(() => serveRoutes(routes), (s) => s.close());
  return {
    get url() {
      return server().url;
    },
  };
}
