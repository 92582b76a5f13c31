import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLedger } from "@/lib/ledger";
import { startOpenAIDouble } from "../agents/support/openai-double";
import { readUIChunks } from "../support/ui-stream";
import { chatBody, fundedPayer, payingFetch, paidStackFixture, usdcBalance } from "./support";

const BROKEN_AGENT = "00000000-0000-0000-0000-0000000000f1";
const stack = paidStackFixture();
let llm: Awaited<ReturnType<typeof startOpenAIDouble>>;
let configDir: string;

beforeAll(async () => {
  // An OpenAI-compatible test double that answers 500, standing in for a hosted model that is down.
  llm = await startOpenAIDouble({ toolCall: { name: "getPrice", arguments: { pair: "ETH/USD" } }, reply: () => "unused" });
  llm.setMode("fail");
  process.env.OPENAI_COMPATIBLE_BASE_URL = llm.baseURL;
  const shipped = JSON.parse(readFileSync("agents.config.json", "utf8")) as { agents: Array<Record<string, unknown>> };
  const broken = { ...shipped.agents[0]!, id: BROKEN_AGENT, name: "Broken Analyst", model: "compatible:down" };
  configDir = mkdtempSync(path.join(tmpdir(), "x402-agents-"));
  process.env.AGENTS_CONFIG = path.join(configDir, "agents.json");
  writeFileSync(process.env.AGENTS_CONFIG, JSON.stringify({ agents: [broken] }));
});

afterAll(async () => {
  await llm?.close();
  rmSync(configDir, { recursive: true, force: true });
});

describe("an agent whose model fails before its first output", () => {
  it("is not charged: no settlement, balance unchanged, the ledger says voided", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const res = await payingFetch(payer)(`${stack.url}/api/x402/${BROKEN_AGENT}/chat`, {
      method: "POST",
      body: chatBody("What is the current price of ETH?"),
    });
    expect(res.status).toBe(200); // the stream had started: the failure arrives in it
    const chunks = await readUIChunks(res);
    const error = chunks.find((c) => c.type === "error") as unknown as { errorText: string };
    expect(error.errorText).toContain("you were not charged");
    expect(chunks.some((c) => c.type === "data-receipt" || c.type === "text-delta")).toBe(false);

    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
    const [row] = await (await getLedger()).listPayments({ payer: payer.address });
    expect(row?.status).toBe("voided");
    expect(llm.requests.length).toBeGreaterThan(0); // the model really was asked
  });

  it("says why by code: a transient data-error part {code: agent_failed} just before the error chunk", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const res = await payingFetch(payer)(`${stack.url}/api/x402/${BROKEN_AGENT}/chat`, {
      method: "POST",
      body: chatBody("What is the current price of ETH?"),
    });
    const chunks = await readUIChunks(res);
    const at = chunks.findIndex((c) => c.type === "error");
    expect(chunks[at - 1]).toEqual({ type: "data-error", transient: true, data: { code: "agent_failed", message: chunks[at]!.errorText } });
  });

  it("is not charged in JSON mode either: a 502 that says so", async () => {
    const payer = await fundedPayer(stack.anvil.rpcUrl);
    const before = await usdcBalance(stack.anvil.rpcUrl, payer.address);
    const res = await payingFetch(payer)(`${stack.url}/api/x402/${BROKEN_AGENT}/chat`, {
      method: "POST",
      headers: { accept: "application/json" },
      body: chatBody("What is the current price of ETH?"),
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("not charged");
    expect(await usdcBalance(stack.anvil.rpcUrl, payer.address)).toBe(before);
  });
});
