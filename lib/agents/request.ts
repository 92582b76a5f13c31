// No "server-only" marker: clients may validate a request with the same schema before paying for it.
import { convertToModelMessages, validateUIMessages, type ModelMessage } from "ai";
import { z } from "zod/v4";
import { zod3Wording as w, toJsonSchema } from "@/lib/http/schema";

export const MAX_MESSAGES = 100;
export const MAX_MESSAGE_CHARS = 16_000;

// No "system": an agent's instructions are its own system prompt, which a paying client must not override.
const Role = z.enum(["user", "assistant"], {
  error: 'role must be "user" or "assistant" (the agent\'s system prompt is its own)',
});
const tooLong = `must be at most ${MAX_MESSAGE_CHARS} characters`;

/** `{role, content}`: what scripts and curl send. */
const SimpleMessageSchema = z.object({ role: Role, content: z.string(w).max(MAX_MESSAGE_CHARS, tooLong) }, w);

const TextPartSchema = z.looseObject({ type: z.enum(["text", "reasoning"], w), text: z.string(w) }, w);
const ToolPartSchema = z.looseObject({ type: z.string(w), toolCallId: z.string(w), state: z.string(w) }, w);
const PassThroughPartSchema = z.looseObject({ type: z.string(w) }, w);

/** The parts useChat sends back: text and reasoning, tool calls of earlier turns, step markers, data parts (receipts). */
const UIPartSchema = byShape([TextPartSchema, ToolPartSchema, PassThroughPartSchema], (part) => {
  const type = isRecord(part) && typeof part.type === "string" ? part.type : undefined;
  if (type === undefined) return "each part needs a string type";
  if (type === "text" || type === "reasoning") return TextPartSchema;
  if (type.startsWith("tool-")) return ToolPartSchema;
  if (type === "step-start" || type.startsWith("data-")) return PassThroughPartSchema;
  return `unsupported part type "${type}"`;
});

/** An AI SDK UI message, as useChat sends it. */
const UIMessageSchema = z
  .object(
    {
      id: z.string(w).min(1, w).max(200, w),
      role: Role,
      parts: z.array(UIPartSchema, w).max(100, "at most 100 parts per message"),
      metadata: z.unknown().optional(),
    },
    w,
  )
  .superRefine(({ parts }, ctx) => {
    const chars = parts.reduce((sum, part) => sum + (typeof part.text === "string" ? part.text.length : 0), 0);
    if (chars > MAX_MESSAGE_CHARS) ctx.addIssue({ code: "custom", path: ["parts"], message: `text ${tooLong}` });
  });

const MessageSchema = byShape([SimpleMessageSchema, UIMessageSchema], (message) =>
  isRecord(message) && "parts" in message
    ? UIMessageSchema
    : isRecord(message) && "content" in message
      ? SimpleMessageSchema
      : 'each message needs "content" (a string) or "parts" (an AI SDK UI message)',
);

/** The body of a chat request. Unknown keys (useChat adds `trigger`, `messageId`) are dropped. */
export const ChatRequestSchema = z
  .object(
    {
      messages: z
        .array(MessageSchema, w)
        .min(1, "at least one message is required")
        .max(MAX_MESSAGES, `at most ${MAX_MESSAGES} messages`)
        .describe("Simple {role, content} messages or AI SDK UI messages {id, role, parts}; the last is the user's."),
      id: z.string(w).max(200, w).optional(),
      userId: z.string(w).max(200, w).optional(),
      selectedToolkits: z.array(z.string(w).max(50, w), w).max(20, w).optional(),
    },
    w,
  )
  .superRefine(({ messages }, ctx) => {
    // A paid reply answers the user: a conversation ending on the agent's own words has nothing to answer.
    const last = messages.length - 1;
    // No role means that message is invalid and already reported.
    const role = messages[last]?.role;
    if (role && role !== "user") {
      ctx.addIssue({ code: "custom", path: ["messages", last, "role"], message: "the last message must be the user's" });
    }
  });

export type ChatRequest = z.infer<typeof ChatRequestSchema>;
export type ChatMessage = ChatRequest["messages"][number];

/**
 * The messages of a validated request as model messages. UI messages go through the AI SDK's own validation
 * and conversion, which throws (a TypeValidationError) on a tool part it cannot read: answer that with a 400.
 */
export async function toModelMessages(messages: readonly ChatMessage[]): Promise<ModelMessage[]> {
  const converted = await Promise.all(
    messages.map(async (message): Promise<ModelMessage[]> => {
      if ("content" in message) return [message];
      const ui = await validateUIMessages({ messages: [message] });
      // A turn cut off mid tool call leaves a call without result, which the next request must still accept.
      return convertToModelMessages(ui, { ignoreIncompleteToolCalls: true });
    }),
  );
  return converted.flat();
}

/**
 * Validates with the schema that the value's shape calls for, so an error names what is wrong with that shape
 * instead of zod's "Invalid input" for a union. `choose` returns one of `shapes` or the error message; JSON
 * Schema documents the value as any of `shapes`.
 */
function byShape<const S extends readonly z.ZodType[]>(shapes: S, choose: (value: unknown) => S[number] | string) {
  type T = z.output<S[number]>;
  return z
    .unknown()
    .transform((value, ctx): T => {
      const schema = choose(value);
      if (typeof schema === "string") {
        ctx.addIssue({ code: "custom", message: schema });
        return z.NEVER;
      }
      const result = schema.safeParse(value);
      if (result.success) return result.data as T;
      for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: "custom" });
      return z.NEVER;
    })
    .meta({ anyOf: shapes.map((shape) => toJsonSchema(shape)) });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The request body as JSON Schema, for discovery documents (Bazaar, OpenAPI). */
export const chatRequestJsonSchema = toJsonSchema(ChatRequestSchema);
