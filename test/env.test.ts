/** lib/env.ts: parsing, runtime changes, clear errors, and the README's configuration table kept in step. */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { ENV_NAMES, env, EnvError, parseEnv } from "@/lib/env";

/** Read by the tests only (test/support, e2e), not by the app: listed in the README, not in lib/env.ts. */
const TEST_ONLY = ["PG_BIN", "E2E_BASE_URL"];

/** The configuration table's rows: variable names (a row may name two) and the default cell. */
function readmeRows(): { names: string[]; defaultCell: string }[] {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1));
  return section
    .split("\n")
    .filter((line) => /^\| `[A-Z0-9_]+`/.test(line))
    .map((line) => {
      const [nameCell = "", defaultCell = ""] = line.split("|").slice(1);
      return { names: [...nameCell.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!), defaultCell };
    });
}

describe("the README's configuration table", () => {
  it("lists every variable lib/env.ts parses, and only those (plus the tests' own)", () => {
    const documented = readmeRows().flatMap((row) => row.names);
    expect([...documented].sort()).toEqual([...ENV_NAMES, ...TEST_ONLY].sort());
  });

  it("gives each default lib/env.ts applies", () => {
    const defaults = parseEnv({});
    for (const { names, defaultCell } of readmeRows()) {
      for (const name of names.filter((n): n is (typeof ENV_NAMES)[number] => ENV_NAMES.includes(n as never))) {
        // Unset ones (an RPC URL's default is its network's, in lib/chains/networks.ts) are described in words.
        const value = defaults[name];
        if (value !== undefined && value !== false) expect(defaultCell, name).toContain(`\`${value}\``);
      }
    }
  });
});

describe("env", () => {
  const saved = { PORT: process.env.PORT, TRUST_PROXY: process.env.TRUST_PROXY };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("applies the defaults, trims, and counts a blank value as unset", () => {
    expect(parseEnv({ HOST: "  ", PORT: " 4000 ", DEFILLAMA_BASE_URL: "http://127.0.0.1:9/llama/" })).toMatchObject({
      HOST: "127.0.0.1",
      PORT: 4000,
      DEFILLAMA_BASE_URL: "http://127.0.0.1:9/llama",
      TRUST_PROXY: false,
      OUTBOUND_URL_POLICY: undefined,
    });
    expect(parseEnv({ TRUST_PROXY: "Yes", OUTBOUND_URL_POLICY: " Private " })).toMatchObject({ TRUST_PROXY: true, OUTBOUND_URL_POLICY: "private" });
  });

  it("follows a variable changed at runtime", () => {
    process.env.TRUST_PROXY = "1";
    expect(env.TRUST_PROXY).toBe(true);
    process.env.TRUST_PROXY = "0";
    expect(env.TRUST_PROXY).toBe(false);
    delete process.env.TRUST_PROXY;
    expect(env.TRUST_PROXY).toBe(false);
    process.env.PORT = "4001";
    expect(env.PORT).toBe(4001);
  });

  it.each([
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["TRUST_PROXY", "on"],
    ["OFFLINE_MODEL_DELAY_MS", "-5"],
    ["LOCAL_RPC_URL", "localhost:8545"],
    ["OUTBOUND_URL_POLICY", "everything"],
    ["FACILITATOR_PRIVATE_KEY", "0x1234"],
  ])("refuses %s=%s with an error naming the variable", (name, value) => {
    expect(() => parseEnv({ [name]: value })).toThrow(new RegExp(`^Invalid environment variable ${name}: `));
    expect(() => parseEnv({ [name]: value })).toThrow(EnvError);
  });

  it("throws where an invalid variable is read, not for the others", () => {
    process.env.PORT = "not a port";
    expect(() => env.PORT).toThrow(/PORT: must be a port number/);
    expect(env.HOST).toBeTypeOf("string");
  });

  it("never puts a value in its error (it may be a key)", () => {
    expect(() => parseEnv({ FACILITATOR_PRIVATE_KEY: "0xsecret" })).toThrow(/^(?!.*0xsecret)/s);
  });
});
