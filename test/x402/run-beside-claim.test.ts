import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getLedger, type Ledger } from "@/lib/ledger";
import { listen } from "../agents/support/http";
import { chatBody, fundedPayer, paidStackFixture, signProofFor } from "./support";

/**
 * The agent of a verified payment starts while its claim commits, and nothing of its reply leaves before the claim did.
 * The model is an OpenAI-compatible double that holds every request open: the test sees it asked, and hung up on.
 */
const HELD_AGENT = "00000000-0000-0000-0000-0000000000f2";
const stack = paidStackFixture();
let model: Awaited<ReturnType<typeof listen>>;
const asked: IncomingMessage[] = [];
let onAsked: (() => void) | null = null;
let configDir: string;

beforeAll(async () => {
  model = await listen((req) => {
    asked.push(req);
    onAsked?.();
  });
  process.env.OPENAI_COMPATIBLE_BASE_URL = `${model.url}/v1`;
  const shipped = JSON.parse(readFileSync("agents.config.json", "utf8")) as { agents: Array<Record<string, unknown>> };
  const held = { ...shipped.agents[0]!, id: HELD_AGENT, name: "Held Analyst", model: "compatible:held" };
  configDir = mkdtempSync(path.join(tmpdir(), "x402-agents-"));
  process.env.AGENTS_CONFIG = path.join(configDir, "agents.json");
  writeFileSync(process.env.AGENTS_CONFIG, JSON.stringify({ agents: [held] }));
});

afterAll(async () => {
  await model?.close();
  rmSync(configDir, { recursive: true, force: true });
});

let restoreClaim: (() => void) | null = null;
afterEach(() => restoreClaim?.());

/** Makes the ledger's claims wait for `until` (then commit, or fail with what it throws). */
async function holdClaims(until: () => Promise<void>): Promise<{ entered: Promise<void> }> {
  const ledger: Ledger = await getLedger();
  const claim = ledger.claimPayment;
  let entered!: () => void;
  const enteredP = new Promise<void>((resolve) => (entered = resolve));
  ledger.claimPayment = async (...args) => {
    entered();
    await until();
    return claim.apply(ledger, args);
  };
  restoreClaim = () => {
    ledger.claimPayment = claim;
  };
  return { entered: enteredP };
}

function modelAsked(): Promise<IncomingMessage> {
  const seen = asked.length;
  return new Promise((resolve) => {
    onAsked = () => {
      if (asked.length > seen) resolve(asked[seen]!);
    };
  });
}

async function paidChat() {
  const url = `${stack.url}/api/x402/${HELD_AGENT}/chat`;
  const payer = await fundedPayer(stack.anvil.rpcUrl);
  const { header } = await signProofFor(payer, url);
  return () => fetch(url, { method: "POST", headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": header }, body: chatBody("What is the current price of ETH?") });
}

describe("a verified payment's agent and its claim", () => {
  it("the model is asked while the claim is still committing, and the reply waits for the claim", { timeout: 20_000 }, async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { entered } = await holdClaims(() => released);
    const send = await paidChat();
    const asking = modelAsked();

    let answered = false;
    const reply = send().then((res) => ((answered = true), res));
    await entered;
    await asking; // without the run beside the claim, the model is asked only after it: this never resolves
    expect(answered).toBe(false);

    release();
    const res = await reply;
    expect(res.status).toBe(200);
    const [row] = await (await getLedger()).listPayments({ limit: 1 });
    expect(row?.status).toBe("verified");
    await res.body?.cancel();
  });

  it("a claim that fails stops the model's run and answers as before (503 ledger_unavailable)", { timeout: 20_000 }, async () => {
    const asking = modelAsked();
    await holdClaims(async () => {
      await asking;
      throw new Error("the database went away");
    });
    const send = await paidChat();
    const res = await send();
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("ledger_unavailable");
    // The model's request is hung up on: the run was aborted.
    const req = await asking;
    if (!req.destroyed) await new Promise((resolve) => req.once("close", resolve));
    expect(req.destroyed).toBe(true);
  });

  it("a proof that fails verification never asks the model", async () => {
    const before = asked.length;
    const url = `${stack.url}/api/x402/${HELD_AGENT}/chat`;
    const payer = await fundedPayer(stack.anvil.rpcUrl, "0"); // the simulation refuses it: no funds
    const { header } = await signProofFor(payer, url);
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": header }, body: chatBody("hi") });
    expect(res.status).toBe(402);
    expect(asked.length).toBe(before);
  });
});
