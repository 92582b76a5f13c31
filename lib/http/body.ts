/**
 * The one bounded body reader of every route: refuses a declared or streamed
 * body over `maxBytes` (413) without buffering more than that.
 */

export type BodyReadFailure = { ok: false; status: 400 | 413 | 415; code: "body_too_large" | "invalid_json" | "unsupported_media_type"; message: string };

/** The whole body as bytes, or a 413 failure once it passes `maxBytes`. An absent body is empty. */
export async function readBodyBytes(req: Request, maxBytes: number): Promise<{ ok: true; bytes: Uint8Array } | BodyReadFailure> {
  const tooLarge: BodyReadFailure = { ok: false, status: 413, code: "body_too_large", message: `The body is larger than ${maxBytes} bytes.` };
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > maxBytes) {
    // Nothing more of it is read: cancelling releases the connection's buffered bytes.
    await req.body?.cancel().catch(() => {});
    return tooLarge;
  }
  if (!req.body) return { ok: true, bytes: new Uint8Array() };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return tooLarge;
    }
    chunks.push(value);
  }
  return { ok: true, bytes: Buffer.concat(chunks) };
}

export interface ReadJsonOptions {
  /** Refuse (415) a request whose Content-Type is not application/json. */
  requireJsonType?: boolean;
}

/** Reads a request body as JSON within `maxBytes`. */
export async function readJsonBody(
  req: Request,
  maxBytes: number,
  opts: ReadJsonOptions = {},
): Promise<{ ok: true; value: unknown } | BodyReadFailure> {
  if (opts.requireJsonType && !isJsonContentType(req.headers.get("content-type"))) {
    await req.body?.cancel().catch(() => {});
    return { ok: false, status: 415, code: "unsupported_media_type", message: "Send the body as Content-Type: application/json." };
  }
  const body = await readBodyBytes(req, maxBytes);
  if (!body.ok) return body;
  if (body.bytes.byteLength === 0) return { ok: false, status: 400, code: "invalid_json", message: "The body is empty." };
  try {
    return { ok: true, value: JSON.parse(Buffer.from(body.bytes).toString("utf8")) };
  } catch {
    return { ok: false, status: 400, code: "invalid_json", message: "The body is not valid JSON." };
  }
}

/** application/json, with or without parameters (charset). */
export function isJsonContentType(value: string | null): boolean {
  return (value ?? "").split(";")[0]!.trim().toLowerCase() === "application/json";
}
