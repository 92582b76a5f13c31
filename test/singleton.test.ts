import { describe, expect, it, vi } from "vitest";
import type { x402Facilitator } from "@x402/core/facilitator";
import type { x402ResourceServer } from "@x402/core/server";
import { processSingleton, processSingletonRetrying, resetProcessSingleton } from "@/lib/singleton";

// Stand-ins of the right type: the helper only stores and hands back what `create` made.
const facilitator = (name: string): x402Facilitator => Object.assign(Object.create(null) as x402Facilitator, { name });

describe("processSingleton", () => {
  it("makes the value once and hands back the same one", () => {
    resetProcessSingleton("localFacilitator");
    const create = vi.fn(() => facilitator("a"));
    const first = processSingleton("localFacilitator", create);
    expect(processSingleton("localFacilitator", create)).toBe(first);
    expect(create).toHaveBeenCalledTimes(1);
  });

  it("keeps the value across a reload of the module (Next.js dev)", async () => {
    resetProcessSingleton("localFacilitator");
    const first = processSingleton("localFacilitator", () => facilitator("before reload"));
    vi.resetModules();
    const reloaded = await import("@/lib/singleton");
    expect(reloaded.processSingleton("localFacilitator", () => facilitator("after reload"))).toBe(first);
  });

  it("makes a new value after a reset", () => {
    const first = processSingleton("localFacilitator", () => facilitator("a"));
    resetProcessSingleton("localFacilitator");
    expect(processSingleton("localFacilitator", () => facilitator("b"))).not.toBe(first);
  });
});

describe("processSingletonRetrying", () => {
  it("forgets a failure, so the next call tries again", async () => {
    resetProcessSingleton("resourceServer");
    const failing = processSingletonRetrying("resourceServer", () => Promise.reject(new Error("facilitator down")));
    await expect(failing).rejects.toThrow("facilitator down");
    const server = {} as x402ResourceServer;
    await expect(processSingletonRetrying("resourceServer", () => Promise.resolve(server))).resolves.toBe(server);
  });

  it("keeps a success and shares one attempt between concurrent callers", async () => {
    resetProcessSingleton("resourceServer");
    const create = vi.fn(() => Promise.resolve({} as x402ResourceServer));
    const [a, b] = await Promise.all([processSingletonRetrying("resourceServer", create), processSingletonRetrying("resourceServer", create)]);
    expect(a).toBe(b);
    expect(await processSingletonRetrying("resourceServer", create)).toBe(a);
    expect(create).toHaveBeenCalledTimes(1);
  });
});
