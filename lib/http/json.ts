import { NextResponse } from "next/server";
import type { ErrorCode } from "@/lib/errors";

/** A JSON error every route answers in the same shape: `{error: {code, message}}`, the code from lib/errors.ts. */
export function jsonError(
  status: number,
  code: ErrorCode,
  message: string,
  extra?: Record<string, unknown>,
  headers?: Record<string, string>,
) {
  return NextResponse.json({ error: { code, message, ...extra } }, { status, headers });
}

/** The first few issues of a zod error as one readable line: `messages.0.role: Invalid enum value…`. */
// Structural, so zod 3 and zod 4 (`zod/v4`) errors both fit.
export function formatZodError(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.map(String).join(".") : "body"}: ${issue.message}`)
    .join("; ");
}
