import { describe, expect, it } from "vitest";
import { ERROR_CODES, describeError, errorCodeOfBody, isErrorCode } from "@/lib/errors";
import { classifyChatFailure } from "@/lib/browser/chat/failure";

describe("error codes", () => {
  it("are listed once each", () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it("are read from a JSON error body, never from other text", () => {
    expect(errorCodeOfBody(JSON.stringify({ error: { code: "timeout", message: "the agent timed out" } }))).toBe("timeout");
    expect(errorCodeOfBody(JSON.stringify({ error: { code: "made_up", message: "x" } }))).toBeNull();
    expect(errorCodeOfBody("the agent is unreachable")).toBeNull();
    expect(errorCodeOfBody("null")).toBeNull();
    expect(isErrorCode("settlement_failed")).toBe(true);
    expect(isErrorCode("Settlement failed")).toBe(false);
  });

  it("describeError: one line with the root cause", () => {
    const err = new Error("HTTP request failed.\nURL: http://x", { cause: Object.assign(new Error(""), { code: "ECONNREFUSED" }) });
    expect(describeError(err)).toBe("HTTP request failed. (ECONNREFUSED)");
  });
});

describe("the chat's failure box", () => {
  const kindOf = (...args: Parameters<typeof classifyChatFailure>) => classifyChatFailure(...args).kind;

  it("tells a wallet short of ETH for gas apart from one short of USDC", () => {
    const noEth = new Error("This agent is paid on chain: 0.01 USDC + gas in ETH, and your wallet has no ETH on Local to pay the gas.");
    expect(classifyChatFailure(noEth, { reason: "insufficient_gas" }, null)).toEqual({ kind: "gas", title: "Not enough ETH for gas" });
    expect(kindOf(new Error("x"), { reason: "insufficient_funds" }, null)).toBe("funds");
  });

  it("goes by the code the stream sent, whatever the words", () => {
    const words = new Error("Payment settlement failed: chain_unavailable. The reply was not paid for.");
    expect(kindOf(words, null, { code: "settlement_failed", message: words.message })).toBe("settlement");
    // An agent whose tool could not reach its API failed; the agent itself was reached.
    const tool = new Error("Market Analyst failed before answering; you were not charged. The DeFiLlama API is unreachable");
    expect(kindOf(tool, null, { code: "agent_failed", message: tool.message })).toBe("agent");
    // Words that say "settlement failed" without the code are an agent's own.
    expect(kindOf(new Error("my settlement failed, sorry"), null, null)).toBe("agent");
  });

  it("goes by the code of an error answer, or by a fetch that got none", () => {
    expect(kindOf(new Error(JSON.stringify({ error: { code: "timeout", message: "…" } })), null, null)).toBe("unreachable");
    expect(kindOf(new Error(JSON.stringify({ error: { code: "blocked_target", message: "…" } })), null, null)).toBe("unreachable");
    expect(kindOf(new TypeError("Failed to fetch"), null, null)).toBe("unreachable");
    expect(kindOf(new Error(JSON.stringify({ error: { code: "ledger_unavailable", message: "…" } })), null, null)).toBe("agent");
  });

  it("puts the paying client's own stop first", () => {
    const stop = { reason: "wallet_locked" as const };
    expect(kindOf(new Error("x"), stop, { code: "agent_failed", message: "x" })).toBe("locked");
    expect(kindOf(new Error("x"), { reason: "quote_changed" }, null)).toBe("policy");
    expect(kindOf(new Error("x"), { reason: "insufficient_funds" }, null)).toBe("funds");
  });
});
