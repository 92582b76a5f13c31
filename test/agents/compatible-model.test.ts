/**
 * The "compatible:<model>" path (Ollama, llama.cpp, vLLM) against a test double of the OpenAI chat-completions
 * streaming API, with the tool it asks for served by the DeFiLlama test double.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { runAgent } from "@/lib/agents/engine";
import { agentStatus, getAgent, type AgentConfig } from "@/lib/agents/registry";
import { DOUBLE_TVL, startDefiLlamaDouble } from "./support/defillama-double";
import { startOpenAIDouble } from "./support/openai-double";
import { collect, ofType, textOf, type Part } from "./support/stream";

const QUESTION = "How much is locked in Aave?";

let llm: Awaited<ReturnType<typeof startOpenAIDouble>>;
let defillama: Awaited<ReturnType<typeof startDefiLlamaDouble>>;
let analyst: AgentConfig;

beforeAll(async () => {
  llm = await startOpenAIDouble({
    toolCall: { name: "getProtocolTvl", arguments: { protocol: "aave" } },
    reply: (toolResult) => `DeFiLlama counts ${(JSON.parse(toolResult) as { tvlUsd: number }).tvlUsd} USD locked in Aave.`,
  });
  defillama = await startDefiLlamaDouble();
  process.env.DEFILLAMA_BASE_URL = defillama.url;
  process.env.OPENAI_COMPATIBLE_BASE_URL = llm.baseURL;
  process.env.OPENAI_COMPATIBLE_API_KEY = "test-key";
  // Every agent on the double's model, as AGENT_MODEL=compatible:llama3.2 would put them all on Ollama.
  process.env.AGENT_MODEL = "compatible:test-model";
  analyst = getAgent("00000000-0000-0000-0000-000000000001")!;
});

afterAll(async () => {
  for (const name of ["DEFILLAMA_BASE_URL", "OPENAI_COMPATIBLE_BASE_URL", "OPENAI_COMPATIBLE_API_KEY", "AGENT_MODEL"]) {
    delete process.env[name];
  }
  await llm.close();
  await defillama.close();
});

/** Index of the first part that the user would see as output, or -1. */
function firstOutput(parts: Part[]): number {
  return parts.findIndex((part) => ["text-delta", "reasoning-delta", "tool-call"].includes(part.type));
}

describe("compatible:test-model", () => {
  test("the agent runs on the server's model, calls the tool and streams the answer", async () => {
    expect(analyst.model).toBe("compatible:test-model");
    expect(agentStatus(analyst)).toEqual({ available: true });

    const result = runAgent({ agent: analyst, messages: [{ role: "user", content: QUESTION }] });
    const parts = await collect(result.fullStream);

    expect(ofType(parts, "tool-input-delta").map((part) => part.delta).join("")).toBe('{"protocol":"aave"}');
    expect(ofType(parts, "tool-call")[0]).toMatchObject({ toolName: "getProtocolTvl", input: { protocol: "aave" } });
    expect(ofType(parts, "tool-result")[0]?.output).toMatchObject({ tvlUsd: DOUBLE_TVL.aave });
    expect(ofType(parts, "text-delta").length).toBeGreaterThan(3);
    expect(textOf(parts)).toBe(`DeFiLlama counts ${DOUBLE_TVL.aave} USD locked in Aave.`);
    expect(ofType(parts, "finish")[0]?.finishReason).toBe("stop");
    const usage = await result.totalUsage;
    expect([usage.inputTokens, usage.outputTokens]).toEqual([84, 14]); // two steps of the double's 42 + 7

    // What the server was sent: the agent's prompt, its tools, the key, and the tool result on the second turn.
    expect(llm.requests).toHaveLength(2);
    const [first, second] = llm.requests;
    expect(first?.headers.authorization).toBe("Bearer test-key");
    expect(first?.body).toMatchObject({ model: "test-model", stream: true });
    expect(first?.body.messages[0]).toEqual({ role: "system", content: analyst.systemPrompt });
    expect(first?.body.tools?.map((t) => t.function.name).sort()).toEqual(["getPrice", "getProtocolTvl", "getTokenPrices"]);
    expect(second?.body.messages.at(-1)).toMatchObject({ role: "tool" });
    expect(second?.body.messages.at(-1)?.content).toContain(String(DOUBLE_TVL.aave));
  });

  test("a server answering 500 shows as an error part before any output; nothing else follows", async () => {
    llm.setMode("fail");
    llm.requests.length = 0;
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const result = runAgent({ agent: analyst, messages: [{ role: "user", content: QUESTION }] });
      const parts = await collect(result.fullStream);

      // How the paid route tells "failed before the first output" (do not charge): an error part, no output before it.
      const errorAt = parts.findIndex((part) => part.type === "error");
      expect(errorAt).toBeGreaterThanOrEqual(0);
      expect(firstOutput(parts)).toBe(-1);
      expect(parts.map((part) => part.type)).toEqual(["start", "error"]);
      const error = ofType(parts, "error")[0]?.error as { name: string; lastError: { statusCode: number; message: string } };
      expect(error.name).toBe("AI_RetryError");
      expect(error.lastError).toMatchObject({ statusCode: 500, message: "The model is overloaded" });
      expect(llm.requests).toHaveLength(3); // the AI SDK's default two retries
      await expect(result.totalUsage).rejects.toThrow(/No output generated/);

      // The server log gets one line naming the agent, without the user's message.
      expect(log).toHaveBeenCalledTimes(1);
      const line = String(log.mock.calls[0]?.[0]);
      expect(line).toContain(analyst.id);
      expect(line).toContain("The model is overloaded");
      expect(line).not.toContain(QUESTION);
    } finally {
      log.mockRestore();
      llm.setMode("ok");
    }
  });

  test("through toUIMessageStream the failure is an error chunk and no text", async () => {
    llm.setMode("fail");
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const result = runAgent({ agent: analyst, messages: [{ role: "user", content: QUESTION }] });
      const chunks = [];
      for await (const chunk of result.toUIMessageStream({ onError: (error) => `Agent failed: ${(error as Error).message}` })) {
        chunks.push(chunk);
      }

      expect(chunks.map((chunk) => chunk.type)).not.toContain("text-delta");
      expect(chunks).toContainEqual({ type: "error", errorText: expect.stringContaining("Agent failed: Failed after 3 attempts") });
    } finally {
      log.mockRestore();
      llm.setMode("ok");
    }
  });
});
