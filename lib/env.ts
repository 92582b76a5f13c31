/**
 * Every environment variable the app reads, parsed in one place. The README's configuration table lists the
 * same variables with the same defaults (test/env.test.ts compares them).
 *
 * `env.NAME` parses on access, cached per raw value: tests and `npm run bench` change variables at runtime, and a
 * read must follow. A blank value counts as unset. An invalid one throws an error naming the variable where it is
 * read, so a bad optional setting does not stop the parts that do not use it.
 *
 * No "server-only" marker: scripts/ (plain Node) read HOST, PORT, DATA_DIR and ANVIL_PORT here too. NEXT_PUBLIC_*
 * variables are listed here for the README, but read through lib/public-env.ts, whose literal reads Next inlines.
 */
import { z } from "zod/v4";

/** Trims; blank is unset, so `FOO=` in a .env file means the default. */
const setting = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === "string" ? value.trim() || undefined : value), schema);

const text = () => z.string();
const httpUrl = () => z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const wholeNumber = (min: number, max: number, error: string) =>
  z.coerce.number<string>({ error }).int({ error }).min(min, { error }).max(max, { error });
const port = () => wholeNumber(1, 65_535, "must be a port number, 1 to 65535");
const milliseconds = () => wholeNumber(0, Number.MAX_SAFE_INTEGER, "must be a whole number of milliseconds, 0 or more");
const flag = () => z.stringbool({ truthy: ["1", "true", "yes"], falsy: ["0", "false", "no"], case: "insensitive" });

const schema = z.object({
  // Where the app and its chain run (scripts/start.ts passes HOST and PORT to `next start`).
  HOST: setting(text().default("127.0.0.1")),
  PORT: setting(port().default(3000)),
  DATA_DIR: setting(text().default(".data")),
  ANVIL_PORT: setting(port().default(8545)),
  LOCAL_RPC_URL: setting(httpUrl().optional()),
  BASE_SEPOLIA_RPC_URL: setting(httpUrl().optional()),
  BASE_RPC_URL: setting(httpUrl().optional()),
  DATABASE_URL: setting(text().optional()),

  // Agents and their models.
  AGENTS_CONFIG: setting(text().default("agents.config.json")),
  AGENT_MODEL: setting(text().optional()),
  OPENAI_API_KEY: setting(text().optional()),
  ANTHROPIC_API_KEY: setting(text().optional()),
  OPENAI_COMPATIBLE_BASE_URL: setting(httpUrl().optional()),
  OPENAI_COMPATIBLE_API_KEY: setting(text().optional()),
  // Without a trailing slash, so paths append cleanly.
  DEFILLAMA_BASE_URL: setting(httpUrl().default("https://api.llama.fi").transform(withoutTrailingSlash)),
  DEFILLAMA_COINS_URL: setting(httpUrl().default("https://coins.llama.fi").transform(withoutTrailingSlash)),
  OFFLINE_MODEL_DELAY_MS: setting(milliseconds().default(0)),
  // Mints of the local faucet per network per minute, for everyone together (e2e runs raise it).
  FAUCET_MINTS_PER_MINUTE: setting(wholeNumber(1, 1_000_000, "must be a whole number, 1 or more").default(5)),

  // Payments.
  // Live settlements finish well within a minute (RPC timeouts + the 30 s receipt wait); older ones are stuck.
  RECONCILE_AFTER_MS: setting(milliseconds().default(60_000)),
  // Exact settlements on our own facilitator go out as one Multicall3 transaction of up to SETTLEMENT_BATCH_MAX
  // transferWithAuthorization calls, sent at most SETTLEMENT_BATCH_WAIT_MS after the first; 1 sends each alone.
  SETTLEMENT_BATCH_MAX: setting(wholeNumber(1, 500, "must be a whole number, 1 to 500").default(50)),
  SETTLEMENT_BATCH_WAIT_MS: setting(wholeNumber(0, 10_000, "must be a whole number of milliseconds, 0 to 10000").default(100)),
  FACILITATOR_URL: setting(httpUrl().optional()),
  FACILITATOR_PRIVATE_KEY: setting(
    z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex key")
      .transform((key) => key as `0x${string}`)
      .optional(),
  ),
  // Tabs: the claimer turns vouchers into money on a period, at a threshold of unclaimed value, and at once on a
  // payer's withdrawal; it checks for the last two every TAB_CLAIM_POLL_SECONDS.
  TAB_CLAIM_INTERVAL_SECONDS: setting(wholeNumber(1, 86_400 * 365, "must be a whole number of seconds, 1 or more").default(60)),
  TAB_CLAIM_THRESHOLD_USDC: setting(
    z.string().regex(/^\d+(\.\d{1,6})?$/, "must be a USDC amount such as 1 or 0.25 (at most 6 decimals)").default("1"),
  ),
  TAB_CLAIM_POLL_SECONDS: setting(wholeNumber(1, 3_600, "must be a whole number of seconds, 1 to 3600").default(5)),
  CDP_API_KEY_ID: setting(text().optional()),
  CDP_API_KEY_SECRET: setting(text().optional()),

  // Security. OUTBOUND_URL_POLICY's default depends on HOST: see urlPolicyFromEnv.
  OUTBOUND_URL_POLICY: setting(
    z
      .string()
      .toLowerCase()
      .pipe(z.enum(["public", "loopback", "private"], { error: "must be public, loopback or private" }))
      .optional(),
  ),
  ALLOWED_HOSTS: setting(text().optional()),
  TRUST_PROXY: setting(flag().default(false)),

  // Inlined at build time: read through lib/public-env.ts, so the server's CSP and the browser agree.
  NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: setting(text().optional()),

  // `npm run bench` only: serve the unpaid reply at POST /api/bench/:agentId/chat (404 without it).
  BENCH_FREE_ROUTE: setting(flag().default(false)),
  // The browser lib/devtools (the benchmark) and the Playwright tests drive.
  CHROMIUM_PATH: setting(text().default("/usr/bin/chromium")),
});

export type Env = z.output<typeof schema>;
export type EnvName = keyof Env;
export const ENV_NAMES = Object.keys(schema.shape) as EnvName[];

/** An environment variable with a value its parser refuses. */
export class EnvError extends Error {
  constructor(
    readonly variable: EnvName,
    reason: string,
  ) {
    super(`Invalid environment variable ${variable}: ${reason}`);
    this.name = "EnvError";
  }
}

const parsed = new Map<EnvName, { raw: string | undefined; value: unknown }>();

function read<K extends EnvName>(name: K, source: Record<string, string | undefined> = process.env): Env[K] {
  const raw = source[name];
  const cached = source === process.env ? parsed.get(name) : undefined;
  if (cached && cached.raw === raw) return cached.value as Env[K];
  const result = schema.shape[name].safeParse(raw);
  if (!result.success) {
    // Not the value: it may be a key.
    throw new EnvError(name, result.error.issues.map((issue) => issue.message).join("; "));
  }
  if (source === process.env) parsed.set(name, { raw, value: result.data });
  return result.data as Env[K];
}

/** The server's settings, each parsed when read. */
export const env: Readonly<Env> = Object.defineProperties(
  {},
  Object.fromEntries(ENV_NAMES.map((name) => [name, { enumerable: true, get: () => read(name) }])),
) as Env;

/** Every setting at once, for a check at start: throws the first invalid one's EnvError. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  return Object.fromEntries(ENV_NAMES.map((name) => [name, read(name, source)])) as Env;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
