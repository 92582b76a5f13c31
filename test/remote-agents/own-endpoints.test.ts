import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { networkInterfaces } from "node:os";
import { POST as probeRoute } from "@/app/api/probe/route";
import { appEndpoints, chainRpcEndpoints, denyEndpoints } from "@/lib/remote-agents/own-endpoints";
import { listen } from "../agents/support/http";
import { testChainFixture } from "../support/fixtures";

const saved = { ...process.env };
afterEach(() => {
  for (const name of ["HOST", "PORT", "LOCAL_RPC_URL", "BASE_SEPOLIA_RPC_URL", "OUTBOUND_URL_POLICY"]) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe("this app's own endpoints", () => {
  it("are every network's RPC (its environment override included) and where the app listens", () => {
    process.env.LOCAL_RPC_URL = "http://127.0.0.1:9545";
    process.env.BASE_SEPOLIA_RPC_URL = "https://RPC.example.:8443/key";
    const rpcs = chainRpcEndpoints().map(({ host, port }) => `${host}:${port}`);
    expect(rpcs).toEqual(["127.0.0.1:9545", "rpc.example:8443", "mainnet.base.org:443"]);

    delete process.env.HOST;
    delete process.env.PORT;
    expect(appEndpoints().map(({ host, port }) => `${host}:${port}`)).toEqual(["127.0.0.1:3000"]); // scripts/start.ts's defaults
    process.env.HOST = "[::]";
    process.env.PORT = "4000";
    expect(appEndpoints("https://chat.example/api/proxy?url=x").map(({ host, port }) => `${host}:${port}`)).toEqual([":::4000", "chat.example:443"]);
  });

  it("are refused by name, by any spelling of their address, at their port only", async () => {
    const deny = denyEndpoints([
      { what: "the RPC", host: "localhost", port: 8545 },
      { what: "the app", host: "203.0.113.7", port: 443 },
    ]);
    expect(await deny({ hostname: "localhost", address: "10.9.9.9", port: 8545 })).toBe("the RPC"); // the name, whatever it resolves to now
    expect(await deny({ hostname: "evil.example", address: "127.0.0.1", port: 8545 })).toBe("the RPC"); // a name rebound to it
    expect(await deny({ hostname: "evil.example", address: "::ffff:127.0.0.1", port: 8545 })).toBe("the RPC");
    expect(await deny({ hostname: "evil.example", address: "64:ff9b::7f00:1", port: 8545 })).toBe("the RPC");
    expect(await deny({ hostname: "localhost", address: "127.0.0.1", port: 8546 })).toBeNull();
    expect(await deny({ hostname: "other.example", address: "::ffff:cb00:7107", port: 443 })).toBe("the app");
    expect(await deny({ hostname: "other.example", address: "203.0.113.8", port: 443 })).toBeNull();
  });

  it("listening on every interface: any loopback or interface address at that port", async () => {
    const deny = denyEndpoints([{ what: "this app", host: "0.0.0.0", port: 3000 }]);
    const interfaceAddresses = Object.values(networkInterfaces()).flatMap((list) => list?.map((i) => i.address) ?? []);
    for (const address of ["127.0.0.1", "127.1.2.3", "::1", "0.0.0.0", ...interfaceAddresses]) {
      expect([address, await deny({ hostname: "x.example", address, port: 3000 })]).toEqual([address, expect.stringMatching(/^this app/)]);
    }
    expect(await deny({ hostname: "x.example", address: "127.0.0.1", port: 3001 })).toBeNull();
    expect(await deny({ hostname: "x.example", address: "8.8.8.8", port: 3000 })).toBeNull();
  });
});

describe("POST /api/probe and the chain RPC", () => {
  const anvil = testChainFixture({ contracts: false, asLocalChain: false });
  let redirect: Awaited<ReturnType<typeof listen>>;
  let agent: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    redirect = await listen((_req, res) => res.writeHead(307, { location: anvil.rpcUrl }).end());
    agent = await listen((_req, res) => res.writeHead(402, { "content-type": "application/json" }).end("{}"));
  });
  afterAll(async () => {
    await redirect?.close();
    await agent?.close();
  });

  const probe = async (url: string) => {
    const res = await probeRoute(new Request("http://app.test/api/probe", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url }) }));
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  };

  it("refuses the chain RPC the app uses, directly and through a redirect", async () => {
    process.env.LOCAL_RPC_URL = anvil.rpcUrl;
    const port = new URL(anvil.rpcUrl).port;
    for (const url of [anvil.rpcUrl, `http://localhost:${port}/`, redirect.url]) {
      const { status, body } = await probe(url);
      expect([url, status, body.error?.code]).toEqual([url, 403, "blocked_target"]);
      expect(body.error?.message).toMatch(/Local dev chain RPC this app uses/);
    }
  });

  it("still probes other local URLs, and the app itself", async () => {
    process.env.LOCAL_RPC_URL = anvil.rpcUrl;
    process.env.PORT = new URL(agent.url).port; // the "app" here: probing it stays allowed
    process.env.HOST = "127.0.0.1";
    const { status } = await probe(agent.url);
    expect(status).toBe(200);
  });
});
