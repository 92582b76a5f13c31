import { HTTPFacilitatorClient } from "@x402/core/server";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { PaymentRequirements } from "@x402/core/types";
import { describe, expect, it } from "vitest";
import { marketRequirements, fundedPayer, paidStackFixture, usdcBalance, x402ClientFor } from "./support";

const stack = paidStackFixture();

const requirements = marketRequirements;

describe("the facilitator routes", () => {
  it("lists the local chain among the kinds it supports", async () => {
    const supported = await new HTTPFacilitatorClient({ url: `${stack.url}/api/facilitator` }).getSupported();
    expect(supported.kinds).toContainEqual(expect.objectContaining({ x402Version: 2, scheme: "exact", network: "eip155:31337" }));
    expect(Object.values(supported.signers).flat()).toContain("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  });

  it("offers tabs (batch-settlement) on the local chain, with the receiver authorizer it signs as", async () => {
    const supported = await new HTTPFacilitatorClient({ url: `${stack.url}/api/facilitator` }).getSupported();
    expect(supported.kinds).toContainEqual(
      expect.objectContaining({
        x402Version: 2,
        scheme: "batch-settlement",
        network: "eip155:31337",
        extra: { receiverAuthorizer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" },
      }),
    );
  });

  it("verifies and settles 12 payments sent at once, every one of them", async () => {
    const facilitator = new HTTPFacilitatorClient({ url: `${stack.url}/api/facilitator` });
    const req = requirements();
    const payers = await Promise.all(Array.from({ length: 12 }, () => fundedPayer(stack.anvil.rpcUrl, "1")));
    const payloads = await Promise.all(
      payers.map((payer) =>
        x402ClientFor(payer).createPaymentPayload({
          x402Version: 2,
          resource: { url: "http://test/resource" },
          accepts: [req],
        }),
      ),
    );
    const verdicts = await Promise.all(payloads.map((p) => facilitator.verify(p, req)));
    expect(verdicts.every((v) => v.isValid)).toBe(true);

    const before = await usdcBalance(stack.anvil.rpcUrl, req.payTo as `0x${string}`);
    const settled = await Promise.all(payloads.map((p) => facilitator.settle(p, req)));
    expect(settled.map((s) => s.errorReason ?? "ok")).toEqual(Array(12).fill("ok"));
    // Settled at once, they share one batch transaction (lib/x402/settlement/batch.ts).
    expect(new Set(settled.map((s) => s.transaction)).size).toBe(1);
    expect(await usdcBalance(stack.anvil.rpcUrl, req.payTo as `0x${string}`)).toBe(before + 12n * BigInt(req.amount));
  });

  it("refuses a second settlement of the same authorization", async () => {
    const facilitator = new HTTPFacilitatorClient({ url: `${stack.url}/api/facilitator` });
    const req = requirements();
    const payer = await fundedPayer(stack.anvil.rpcUrl, "1");
    const payload = await x402ClientFor(payer).createPaymentPayload({ x402Version: 2, resource: { url: "http://test/r" }, accepts: [req] });
    expect((await facilitator.settle(payload, req)).success).toBe(true);
    const again = await facilitator.settle(payload, req).catch((err: { response?: { success: boolean; errorReason?: string } }) => err.response);
    expect(again?.success).toBe(false);
  });

  it("answers a malformed request with a 400 that names the problem", async () => {
    const res = await fetch(`${stack.url}/api/facilitator/verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ x402Version: 2 }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain("paymentPayload");
  });
});

describe("what the facilitator refuses over HTTP (its key pays the gas)", () => {
  const post = (operation: "verify" | "settle", body: unknown) =>
    fetch(`${stack.url}/api/facilitator/${operation}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const signed = async (req: PaymentRequirements, payer = privateKeyToAccount(generatePrivateKey())) => ({
    x402Version: 2,
    paymentPayload: await x402ClientFor(payer).createPaymentPayload({ x402Version: 2, resource: { url: "http://test/r" }, accepts: [req] }),
    paymentRequirements: req,
  });

  it("a stranger's settlement to an address that is not one of our agents: 403, nothing moves", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl, "1");
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    const req = { ...requirements(), payTo: stranger, amount: "1000000" };
    for (const operation of ["verify", "settle"] as const) {
      const res = await post(operation, await signed(req, payer));
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payee_not_served");
    }
    expect(await usdcBalance(stack.anvil.rpcUrl, stranger)).toBe(0n);
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(1_000_000n);
  });

  it("a zero amount: 400", async () => {
    const res = await post("settle", await signed({ ...requirements(), amount: "0" }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("zero_amount");
  });

  it("more than 30 settlements a minute from one payer: 429 with Retry-After", async () => {
    const payer = privateKeyToAccount(generatePrivateKey());
    // Unfunded: each attempt fails at once, but still takes its slot.
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await post("settle", await signed(requirements(), payer))).status);
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    const last = await post("settle", await signed(requirements(), payer));
    expect(last.status).toBe(429);
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another payer is not held up.
    expect((await post("settle", await signed(requirements()))).status).not.toBe(429);
  });

  it("a body that is not JSON, or larger than 64 KB (streamed, undeclared): 415 and 413", async () => {
    const text = await fetch(`${stack.url}/api/facilitator/settle`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(text.status).toBe(415);
    const chunk = new Uint8Array(1024 * 1024).fill(32);
    let sent = 0;
    const huge = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 200 MB if the server read it all; it stops reading after 64 KB.
        if (sent++ >= 200) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${stack.url}/api/facilitator/settle`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: huge,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(200);
  });
});
