// No "server-only" marker: this model holds no secrets, and benchmark scripts run it outside Next.
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3ToolResultPart,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";
import { setTimeout as sleep } from "node:timers/promises";
import { phraseToolResult } from "../tools/results";

export interface OfflineModelOptions {
  /** Pause before each streamed chunk, so benchmarks can simulate a slow model. Default 0. */
  delayMs?: number;
}

const SIGNATURE = "\n\n(Answered by the built-in offline model.)";

interface ToolCallPlan {
  toolName: string;
  input: Record<string, unknown>;
}

/** What one step of the offline model does. */
interface Turn {
  reasoning: string;
  action: ({ type: "tool-call" } & ToolCallPlan) | { type: "text"; text: string };
}

/**
 * The built-in model: no LLM, no key, no network. It reads the last user message, calls the one tool that
 * fits (of those it was given), and on the next step phrases the tool's real result. So the whole agent
 * loop (tool calls, reasoning, streamed text, usage) works out of the box and in tests.
 */
export class OfflineModel implements LanguageModelV3 {
  readonly specificationVersion = "v3";
  readonly provider = "x402-chat";
  readonly modelId = "offline";
  readonly supportedUrls = {};
  private readonly delayMs: number;

  constructor({ delayMs = 0 }: OfflineModelOptions = {}) {
    this.delayMs = delayMs;
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const turn = planTurn(options);
    const toolCallId = crypto.randomUUID();
    const content: LanguageModelV3Content[] = [{ type: "reasoning", text: turn.reasoning }];
    content.push(
      turn.action.type === "text"
        ? { type: "text", text: turn.action.text }
        : { type: "tool-call", toolCallId, toolName: turn.action.toolName, input: JSON.stringify(turn.action.input) },
    );
    return {
      content,
      finishReason: finishReasonOf(turn),
      usage: usageOf(options, turn),
      warnings: [],
      response: { id: `offline-${toolCallId}`, modelId: this.modelId, timestamp: new Date() },
    };
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const turn = planTurn(options);
    const id = crypto.randomUUID();
    const parts: LanguageModelV3StreamPart[] = [
      { type: "stream-start", warnings: [] },
      { type: "response-metadata", id: `offline-${id}`, modelId: this.modelId, timestamp: new Date() },
      { type: "reasoning-start", id: `reasoning-${id}` },
      ...chunks(turn.reasoning).map((delta) => ({ type: "reasoning-delta" as const, id: `reasoning-${id}`, delta })),
      { type: "reasoning-end", id: `reasoning-${id}` },
    ];
    if (turn.action.type === "text") {
      parts.push(
        { type: "text-start", id: `text-${id}` },
        ...chunks(turn.action.text).map((delta) => ({ type: "text-delta" as const, id: `text-${id}`, delta })),
        { type: "text-end", id: `text-${id}` },
      );
    } else {
      const { toolName, input } = turn.action;
      parts.push(
        { type: "tool-input-start", id, toolName },
        { type: "tool-input-delta", id, delta: JSON.stringify(input) },
        { type: "tool-input-end", id },
        { type: "tool-call", toolCallId: id, toolName, input: JSON.stringify(input) },
      );
    }
    parts.push({ type: "finish", usage: usageOf(options, turn), finishReason: finishReasonOf(turn) });
    return { stream: replay(parts, this.delayMs, options.abortSignal) };
  }
}

/** Emits the parts one by one, pausing before each delta; an abort errors the stream like a dropped connection. */
function replay(
  parts: LanguageModelV3StreamPart[],
  delayMs: number,
  signal: AbortSignal | undefined,
): ReadableStream<LanguageModelV3StreamPart> {
  let next = 0;
  return new ReadableStream({
    async pull(controller) {
      const part = parts[next++];
      if (!part) return controller.close();
      if (delayMs > 0 && part.type.endsWith("-delta")) {
        // Fail with the caller's reason rather than the timer's generic AbortError.
        await sleep(delayMs, undefined, { signal }).catch(() => Promise.reject(signal?.reason));
      }
      controller.enqueue(part);
    },
  });
}

/** Splits text into pieces of about three words, as a model streams tokens. */
function chunks(text: string): string[] {
  return text.match(/(?:\S+\s*){1,3}|\s+/g) ?? [];
}

function finishReasonOf(turn: Turn): LanguageModelV3FinishReason {
  return turn.action.type === "text" ? { unified: "stop", raw: "stop" } : { unified: "tool-calls", raw: "tool_calls" };
}

/** Token counts estimated the usual way, one token per four characters. */
function usageOf(options: LanguageModelV3CallOptions, turn: Turn): LanguageModelV3Usage {
  const tokens = (text: string) => Math.ceil(text.length / 4);
  const input = tokens(JSON.stringify(options.prompt) + JSON.stringify(options.tools ?? []));
  const reasoning = tokens(turn.reasoning);
  const text = tokens(turn.action.type === "text" ? turn.action.text : JSON.stringify(turn.action.input));
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: reasoning + text, text, reasoning },
  };
}

// ---------------------------------------------------------------- deciding what to do

function planTurn(options: LanguageModelV3CallOptions): Turn {
  const { prompt } = options;
  const lastUser = prompt.map((message) => message.role).lastIndexOf("user");
  const results = toolResultsAfter(prompt, lastUser);
  if (results.length > 0) return answerFromResults(results);

  const question = lastUser >= 0 ? textOf(prompt[lastUser]!) : "";
  const tools =
    options.toolChoice?.type === "none"
      ? new Set<string>()
      : new Set((options.tools ?? []).filter((t) => t.type === "function").map((t) => t.name));
  const call = chooseToolCall(question, tools);
  if (call) {
    return {
      reasoning:
        `The question fits the ${call.toolName} tool (${TOOL_PURPOSE[call.toolName] ?? "a tool I was given"}), ` +
        `so I will call it with ${JSON.stringify(call.input)} and answer from its result.`,
      action: { type: "tool-call", ...call },
    };
  }
  return {
    reasoning: "No tool I was given fits this question, so I answer from my short built-in notes.",
    action: { type: "text", text: cannedAnswer(question, tools) + SIGNATURE },
  };
}

function toolResultsAfter(prompt: LanguageModelV3Prompt, index: number): LanguageModelV3ToolResultPart[] {
  return prompt
    .slice(index + 1)
    .flatMap((message) => (message.role === "tool" ? message.content : []))
    .filter((part): part is LanguageModelV3ToolResultPart => part.type === "tool-result");
}

function textOf(message: LanguageModelV3Prompt[number]): string {
  if (message.role === "system") return message.content;
  return message.content.map((part) => (part.type === "text" ? part.text : "")).join(" ");
}

const TOOL_PURPOSE: Record<string, string> = {
  getPrice: "it reads a Chainlink price feed on chain",
  getTokenPrices: "it asks DeFiLlama for token prices",
  getProtocolTvl: "it asks DeFiLlama for a protocol's total value locked",
  getBalances: "it reads ETH and USDC balances on chain",
  getTransaction: "it looks a transaction up on chain",
};

const TX_HASH = /\b0x[0-9a-f]{64}\b/i;
const ADDRESS = /\b0x[0-9a-f]{40}\b/i;
const TVL = /\btvl\b|\blocked\b|\bprotocol\b/i;
const PRICE = /\bprices?\b|\bworth\b|\bcosts?\b|how much|\beth\b|\bether(eum)?\b|\bbtc\b|\bbitcoin\b/i;
const BITCOIN = /\bbtc\b|\bbitcoin\b/i;

function chooseToolCall(question: string, tools: Set<string>): ToolCallPlan | undefined {
  const hash = TX_HASH.exec(question)?.[0];
  if (hash && tools.has("getTransaction")) return { toolName: "getTransaction", input: { hash } };
  const address = ADDRESS.exec(question)?.[0];
  if (address && tools.has("getBalances")) return { toolName: "getBalances", input: { address } };
  const protocol = TVL.test(question) ? protocolIn(question) : undefined;
  if (protocol && tools.has("getProtocolTvl")) return { toolName: "getProtocolTvl", input: { protocol } };
  if (!PRICE.test(question)) return undefined;
  const bitcoin = BITCOIN.test(question);
  // Chainlink first: an on-chain feed beats an API. The dev chain only has an ETH/USD feed.
  if (!bitcoin && tools.has("getPrice")) return { toolName: "getPrice", input: { pair: "ETH/USD" } };
  if (tools.has("getTokenPrices")) {
    return { toolName: "getTokenPrices", input: { coins: [bitcoin ? "coingecko:bitcoin" : "coingecko:ethereum"] } };
  }
  if (tools.has("getPrice")) return { toolName: "getPrice", input: { pair: "BTC/USD" } };
  return undefined;
}

/** Words the patterns below can catch that are not protocols ("the x402 protocol" is a question for the notes). */
const NOT_PROTOCOLS = new Set([
  ...["the", "a", "its", "their", "this", "that", "which", "what", "current", "total"],
  ...["defi", "x402", "payment"],
]);

/** "TVL of Aave", "locked in Aave", "Aave's TVL", "the Lido protocol" -> the protocol's DeFiLlama-style slug. */
function protocolIn(question: string): string | undefined {
  const match =
    /(?:tvl|locked)\s+(?:of|for|on|in|at)\s+(?:the\s+)?([a-z0-9][\w.-]*)/i.exec(question) ??
    /([a-z0-9][\w.-]*?)(?:'s)?\s+(?:tvl|total value locked|protocol)\b/i.exec(question);
  const name = match?.[1]?.toLowerCase();
  return name && !NOT_PROTOCOLS.has(name) ? name : undefined;
}

function cannedAnswer(question: string, tools: Set<string>): string {
  if (/x402|\b402\b|payment required/i.test(question)) {
    return (
      "x402 is an open protocol for paying for HTTP requests with stablecoins. The server answers " +
      "402 Payment Required with a quote (price, token, payee, network); the client signs a USDC " +
      "transfer authorization (EIP-3009) and retries with it in a header; a facilitator verifies the " +
      "signature and settles the transfer on chain, and the server returns the response with a receipt. " +
      "In this app every message to an agent is paid that way, without gas or pop-ups."
    );
  }
  if (/\busdc\b|eip-?3009|gasless/i.test(question)) {
    return (
      "USDC supports EIP-3009 transferWithAuthorization: the payer signs an off-chain authorization and " +
      "someone else (here, the facilitator) submits it, so paying needs no ETH for gas."
    );
  }
  if (ADDRESS.test(question) || /\bbalance\b/i.test(question)) {
    return tools.has("getBalances")
      ? "Give me a full 0x address (40 hex digits) and I will look its balances up."
      : "I have no wallet tool in this chat, so I cannot read balances. Enable the wallet toolkit " +
          "or ask the Wallet Assistant.";
  }
  if (TVL.test(question) || PRICE.test(question)) {
    return tools.has("getProtocolTvl") && TVL.test(question)
      ? 'Which protocol? Name it, e.g. "What is the TVL of Aave?".'
      : "I have no price or TVL tool in this chat, so I cannot give live numbers. Enable the chainlink " +
          "or defillama toolkit.";
  }
  const examples = [...tools].map((name) => EXAMPLE_QUESTIONS[name]).filter(Boolean);
  return examples.length > 0
    ? `I am the built-in offline model: I answer from my tools and a few notes. Try: ${examples.join(" ")}`
    : "I am the built-in offline model: without tools I can only explain x402, USDC payments and this app.";
}

const EXAMPLE_QUESTIONS: Record<string, string> = {
  getPrice: '"What is the price of ETH?"',
  getTokenPrices: '"What is the price of BTC?"',
  getProtocolTvl: '"What is the TVL of Aave?"',
  getBalances: '"What is the balance of 0x…?"',
  getTransaction: '"Show me transaction 0x…"',
};

// ---------------------------------------------------------------- phrasing tool results

function answerFromResults(results: LanguageModelV3ToolResultPart[]): Turn {
  const sentences = results.map(({ toolName, output }) => {
    if (output.type === "error-text") return `Sorry, the ${toolName} tool failed: ${output.value}`;
    if (output.type === "error-json") return `Sorry, the ${toolName} tool failed: ${JSON.stringify(output.value)}`;
    if (output.type === "execution-denied") {
      return `The ${toolName} tool call was denied${output.reason ? `: ${output.reason}` : "."}`;
    }
    if (output.type !== "json" && output.type !== "text") return `The ${toolName} tool returned content I cannot read.`;
    return describeResult(toolName, output.value);
  });
  const failed = results.some(({ output }) => output.type !== "json" && output.type !== "text");
  return {
    reasoning: failed
      ? "The tool did not give me data, so I tell the user what went wrong instead of guessing."
      : "I have the tool's result; I report its numbers as they are, with their source.",
    action: { type: "text", text: sentences.join("\n\n") + SIGNATURE },
  };
}

/** Each tool phrases its own result; one its schema does not read is shown as JSON, cut short. */
function describeResult(toolName: string, value: unknown): string {
  return phraseToolResult(toolName, value) ?? `The ${toolName} tool returned: ${JSON.stringify(value).slice(0, 500)}`;
}
