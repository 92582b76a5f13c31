/** Reads a request body as JSON, refusing more than `maxBytes` without buffering it all. */
export async function readJsonBody(
  req: Request,
  maxBytes: number,
): Promise<{ ok: true; value: unknown } | { ok: false; status: 400 | 413; message: string }> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > maxBytes) return { ok: false, status: 413, message: `The body is larger than ${maxBytes} bytes.` };
  if (!req.body) return { ok: false, status: 400, message: "The body is empty." };
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) return { ok: false, status: 413, message: `The body is larger than ${maxBytes} bytes.` };
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    return { ok: false, status: 400, message: "The body is not valid JSON." };
  }
}
