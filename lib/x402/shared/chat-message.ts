import type { InferUIMessageChunk, UIMessage, UITools } from "ai";
import type { WireError } from "@/lib/errors";
import type { Receipt, UsageReport } from "./receipt";

/**
 * One chat message as the paid route writes it and the chat reads it: the AI SDK's UI message with this app's
 * data parts. `data-usage` and `data-receipt` end a paid reply; `data-error` says why a reply failed, by code,
 * sent (transient, so not kept in the message) just before the SDK's text-only `error` chunk.
 */
export type ChatDataParts = {
  usage: UsageReport;
  receipt: Receipt;
  error: WireError;
};

/** The app writes no message metadata. */
export type ChatMetadata = never;

/** Other agents name their own tools, so tool parts are typed (and shown) generically. */
export type ChatTools = UITools;

export type ChatMessage = UIMessage<ChatMetadata, ChatDataParts, ChatTools>;

/** One chunk of a chat message's stream. */
export type ChatChunk = InferUIMessageChunk<ChatMessage>;
