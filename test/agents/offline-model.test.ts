/** The offline model on its own, called the way the AI SDK calls a LanguageModelV3. */
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3FunctionTool,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3ToolResultOutput,
} from "@ai-sdk/provider";
import { describe, expect, test } from "vitest";
import { OfflineModel } from "@/lib/agents/models/offline";

const ALL_TOOLS = ["getPrice", "getProtocolTvl", "getTokenPrices", "getBalances", "getTransaction"];
const ADDRESS = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const TX = `0x${"1f".repeat(32)}`;

function tools(names: string[]): LanguageModelV3FunctionTool[] {
  return names.map((name) => ({ type: "function", name, inputSchema: { type: "object" } }));
}

function ask(question: string, toolNames = ALL_TOOLS): LanguageModelV3CallOptions {
  return { prompt: [{ role: "user", content: [{ type: "text", text: question }] }], tools: tools(toolNames) };
}

/** The prompt of the step after a tool call: the question, the call, and its result. */
function afterTool(question: string, toolName: string, output: LanguageModelV3ToolResultOutput): LanguageModelV3CallOptions {
  const prompt: LanguageModelV3Prompt = [
    { role: "user", content: [{ type: "text", text: question }] },
    { role: "assistant", content: [{ type: "tool-call", toolCallId: "c1", toolName, input: {} }] },
    { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName, output }] },
  ];
  return { prompt, tools: tools(ALL_TOOLS) };
}

async function stream(options: LanguageModelV3CallOptions, model = new OfflineModel()) {
  const parts: LanguageModelV3StreamPart[] = [];
  const reader = (await model.doStream(options)).stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
  return parts;
}

function text(parts: LanguageModelV3StreamPart[]): string {
  return parts.map((part) => (part.type === "text-delta" ? part.delta : "")).join("");
}

async function toolCallFor(question: string, toolNames = ALL_TOOLS) {
  const part = (await stream(ask(question, toolNames))).find((p) => p.type === "tool-call");
  return part?.type === "tool-call" ? { toolName: part.toolName, input: JSON.parse(part.input) as unknown } : undefined;
}

describe("OfflineModel", () => {
  test("identifies itself as a v3 language model", () => {
    const model = new OfflineModel();
    expect(model).toMatchObject({ specificationVersion: "v3", provider: "x402-chat", modelId: "offline", supportedUrls: {} });
  });

  test("a price question streams reasoning, then a getPrice call, and finishes for tool calls", async () => {
    const options = ask("What is the current price of ETH?");
    const parts = await stream(options);
    const types = parts.map((part) => part.type);

    expect(types.slice(0, 3)).toEqual(["stream-start", "response-metadata", "reasoning-start"]);
    expect(types.indexOf("reasoning-end")).toBeLessThan(types.indexOf("tool-input-start"));
    expect(parts.find((p) => p.type === "tool-call")).toMatchObject({ toolName: "getPrice", input: '{"pair":"ETH/USD"}' });
    const finish = parts.at(-1);
    expect(finish).toMatchObject({ type: "finish", finishReason: { unified: "tool-calls" } });
    // Usage is estimated at four characters a token, prompt and tool definitions included.
    const promptTokens = Math.ceil((JSON.stringify(options.prompt) + JSON.stringify(options.tools)).length / 4);
    expect(finish?.type === "finish" && finish.usage.inputTokens.total).toBe(promptTokens);
    expect(finish?.type === "finish" && finish.usage.outputTokens.reasoning).toBeGreaterThan(0);
  });

  test.each([
    ["What is the balance of " + ADDRESS + "?", "getBalances", { address: ADDRESS }],
    [`What happened in ${TX}?`, "getTransaction", { hash: TX }],
    ["What is the TVL of Aave?", "getProtocolTvl", { protocol: "aave" }],
    ["uniswap tvl please", "getProtocolTvl", { protocol: "uniswap" }],
    ["How much is locked in Aave?", "getProtocolTvl", { protocol: "aave" }],
    ["How big is the Lido protocol?", "getProtocolTvl", { protocol: "lido" }],
    ["How much is bitcoin worth?", "getTokenPrices", { coins: ["coingecko:bitcoin"] }],
  ])("%s -> %s", async (question, toolName, input) => {
    expect(await toolCallFor(question)).toEqual({ toolName, input });
  });

  test("only calls tools it was given", async () => {
    // Without Chainlink, the ETH price comes from DeFiLlama.
    expect(await toolCallFor("ETH price?", ["getTokenPrices"])).toEqual({
      toolName: "getTokenPrices",
      input: { coins: ["coingecko:ethereum"] },
    });
    // With no wallet tool, an address gets a canned answer instead of a call.
    const parts = await stream(ask(`Balance of ${ADDRESS}?`, ["getPrice"]));
    expect(parts.some((p) => p.type === "tool-call")).toBe(false);
    expect(text(parts)).toContain("I have no wallet tool in this chat");
  });

  test("the x402 protocol is a question for its notes, not for DeFiLlama", async () => {
    const parts = await stream(ask("Explain the x402 protocol", ["getProtocolTvl", "getTokenPrices"]));

    expect(parts.some((p) => p.type === "tool-call")).toBe(false);
    expect(text(parts)).toContain("x402 is an open protocol");
    expect(text(parts)).toContain("built-in offline model");
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: { unified: "stop" } });
  });

  test("without a fitting tool it says it is the offline model and suggests questions", async () => {
    const parts = await stream(ask("Write me a poem", ["getPrice", "getBalances"]));
    expect(text(parts)).toContain("I am the built-in offline model");
    expect(text(parts)).toContain('"What is the price of ETH?"');
    expect(text(parts)).toContain('"What is the balance of 0x…?"');
  });

  test("after a tool result it answers from that result in several text deltas", async () => {
    const output: LanguageModelV3ToolResultOutput = {
      type: "json",
      value: {
        pair: "ETH/USD",
        price: "2999.5",
        decimals: 8,
        description: "ETH / USD",
        roundId: "7",
        updatedAt: "2025-01-01T00:00:00.000Z",
        feed: "0x0000000000000000000000000000000000000001",
        network: "local",
      },
    };
    const parts = await stream(afterTool("ETH price?", "getPrice", output));

    expect(parts.filter((p) => p.type === "text-delta").length).toBeGreaterThan(3);
    expect(text(parts)).toContain("ETH/USD is $2,999.50 according to the Chainlink feed");
    expect(text(parts)).toContain("round 7, updated 2025-01-01T00:00:00.000Z");
    expect(parts.some((p) => p.type === "tool-call")).toBe(false);
  });

  test("relays a tool error", async () => {
    const parts = await stream(
      afterTool("TVL of aave", "getProtocolTvl", { type: "error-text", value: "The DeFiLlama API is unreachable: boom" }),
    );
    expect(text(parts)).toContain("Sorry, the getProtocolTvl tool failed: The DeFiLlama API is unreachable: boom");
  });

  test("doGenerate returns the same turn in one piece", async () => {
    const result = await new OfflineModel().doGenerate(ask("What is the TVL of Aave?"));
    expect(result.content.map((part) => part.type)).toEqual(["reasoning", "tool-call"]);
    expect(result.content[1]).toMatchObject({ toolName: "getProtocolTvl", input: '{"protocol":"aave"}' });
    expect(result.finishReason.unified).toBe("tool-calls");
    expect(result.usage.outputTokens.total).toBeGreaterThan(0);
  });

  test("delayMs paces every delta", async () => {
    const model = new OfflineModel({ delayMs: 20 });
    const started = performance.now();
    const parts = await stream(ask("Write me a poem", []), model);
    const deltas = parts.filter((p) => p.type.endsWith("-delta")).length;

    expect(deltas).toBeGreaterThan(5);
    expect(performance.now() - started).toBeGreaterThanOrEqual(deltas * 20 - 5);
  });

  test("an abort errors the stream", async () => {
    const controller = new AbortController();
    const model = new OfflineModel({ delayMs: 50 });
    const reader = (await model.doStream({ ...ask("Write me a poem", []), abortSignal: controller.signal })).stream.getReader();
    await reader.read();
    controller.abort(new Error("user left"));

    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    ).rejects.toThrow("user left");
  });
});
