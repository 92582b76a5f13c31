import type { TextStreamPart, ToolSet } from "ai";

export type Part = TextStreamPart<ToolSet>;

/** Reads a whole fullStream. */
export async function collect(stream: AsyncIterable<Part>): Promise<Part[]> {
  const parts: Part[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

export function ofType<T extends Part["type"]>(parts: Part[], type: T): Extract<Part, { type: T }>[] {
  return parts.filter((part): part is Extract<Part, { type: T }> => part.type === type);
}

export function textOf(parts: Part[]): string {
  return ofType(parts, "text-delta")
    .map((part) => part.text)
    .join("");
}
