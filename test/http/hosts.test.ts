import { describe, expect, it } from "vitest";
import { isHostAllowed, parseAllowedHosts, parseHostPort } from "@/lib/http/hosts";

describe("parseHostPort", () => {
  it("splits names, IPv4 and bracketed IPv6 from their port, in lower case", () => {
    expect(parseHostPort("Example.COM:8080")).toEqual({ host: "example.com", port: "8080" });
    expect(parseHostPort("127.0.0.1")).toEqual({ host: "127.0.0.1", port: null });
    expect(parseHostPort("[::1]:3000")).toEqual({ host: "[::1]", port: "3000" });
    expect(parseHostPort("localhost.:3000")).toEqual({ host: "localhost", port: "3000" });
  });

  it("refuses what is not host[:port]", () => {
    for (const bad of ["", ":80", "::1", "[::1", "[::1]x", "a b", "evil.com/x", "user@host", "host:", "host:99999", "host:80:80", "[zz]"]) {
      expect(parseHostPort(bad), bad).toBeNull();
    }
  });
});

describe("parseAllowedHosts", () => {
  it("defaults to the bind address and the loopback names, on any port", () => {
    expect(parseAllowedHosts(undefined, "192.168.1.20")).toEqual(
      ["localhost", "127.0.0.1", "[::1]", "192.168.1.20"].map((host) => ({ host, port: null })),
    );
    expect(parseAllowedHosts("", undefined)).toEqual(["localhost", "127.0.0.1", "[::1]"].map((host) => ({ host, port: null })));
  });

  it("brackets an IPv6 bind address and skips wildcard binds, which name no host", () => {
    expect(parseAllowedHosts(undefined, "fd00::5")).toContainEqual({ host: "[fd00::5]", port: null });
    for (const wildcard of ["0.0.0.0", "::", "[::]"]) {
      expect(parseAllowedHosts(undefined, wildcard), wildcard).toHaveLength(3);
    }
  });

  it("takes ALLOWED_HOSTS instead of the default when set; * allows any host", () => {
    expect(parseAllowedHosts(" chat.example.com, 10.0.0.2:3000 ,", "127.0.0.1")).toEqual([
      { host: "chat.example.com", port: null },
      { host: "10.0.0.2", port: "3000" },
    ]);
    expect(parseAllowedHosts("chat.example.com,*", undefined)).toBe("any");
  });

  it("throws on an entry that is not a host, rather than locking everyone out quietly", () => {
    expect(() => parseAllowedHosts("chat.example.com,https://x.example", undefined)).toThrow(/ALLOWED_HOSTS.*https:\/\/x\.example/);
  });
});

describe("isHostAllowed", () => {
  const defaults = parseAllowedHosts(undefined, "127.0.0.1");

  it("allows loopback names on any port, as the load runner, bench and e2e call the app", () => {
    for (const host of ["127.0.0.1:3000", "127.0.0.1", "localhost:54321", "LOCALHOST:1", "[::1]:3000"]) {
      expect(isHostAllowed(host, defaults), host).toBe(true);
    }
  });

  it("refuses another name pointed at loopback (DNS rebinding), a missing Host and garbage", () => {
    for (const host of ["evil.example:3000", "127.0.0.1.nip.io:3000", "localhost.evil.example", "127.0.0.2:3000", "", "a b"]) {
      expect(isHostAllowed(host, defaults), host).toBe(false);
    }
    expect(isHostAllowed(null, defaults)).toBe(false);
  });

  it("matches a configured port exactly, and any port when the entry has none", () => {
    const allowed = parseAllowedHosts("chat.example.com,10.0.0.2:3000", undefined);
    expect(isHostAllowed("chat.example.com", allowed)).toBe(true);
    expect(isHostAllowed("chat.example.com:8443", allowed)).toBe(true);
    expect(isHostAllowed("10.0.0.2:3000", allowed)).toBe(true);
    expect(isHostAllowed("10.0.0.2:3001", allowed)).toBe(false);
    expect(isHostAllowed("10.0.0.2", allowed)).toBe(false);
    expect(isHostAllowed("127.0.0.1:3000", allowed)).toBe(false); // the list replaces the default
  });

  it("allows anything with *", () => {
    expect(isHostAllowed("whatever.example", "any")).toBe(true);
    expect(isHostAllowed(null, "any")).toBe(true);
  });
});
