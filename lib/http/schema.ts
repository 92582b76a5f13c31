/**
 * Request schemas (zod 4, shipped under `zod/v4`) as JSON Schema, for /openapi.json and x402 discovery: each route's
 * schema is the one its handler validates with, so the documents cannot drift from the checks.
 */
import { z } from "zod/v4";

type JsonSchema = Record<string, unknown>;

/** A schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), describing what a client sends. */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  // A transform (byShape in lib/agents/request.ts) documents itself through its metadata.
  const json: JsonSchema = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  // The document that embeds it names the dialect.
  delete json.$schema;
  return json;
}

/**
 * zod 3's wording for type and size errors ("Required", "Expected string, received number"), which this API's
 * 400s have always used: pass as a schema's `error` option. Other issues keep their own message.
 */
export const zod3Wording = {
  error: (issue: z.core.$ZodRawIssue): string | undefined => {
    if (issue.code === "invalid_type") {
      return issue.input === undefined ? "Required" : `Expected ${issue.expected}, received ${kindOf(issue.input)}`;
    }
    if ((issue.code === "too_big" || issue.code === "too_small") && (issue.origin === "string" || issue.origin === "array")) {
      const bound = issue.code === "too_big" ? "at most" : "at least";
      const unit = issue.origin === "string" ? "character(s)" : "element(s)";
      const noun = issue.origin === "string" ? "String" : "Array";
      return `${noun} must contain ${bound} ${issue.code === "too_big" ? issue.maximum : issue.minimum} ${unit}`;
    }
    return undefined;
  },
};

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && Number.isNaN(value)) return "nan";
  return typeof value;
}
