import "server-only";

interface ErrorLike {
  shortMessage?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

/**
 * One line that says why a call failed, for tool errors the model relays to the user: viem's short message
 * rather than its multi-line dump, plus the root cause ("connect ECONNREFUSED …") that viem and fetch bury
 * under "HTTP request failed" / "fetch failed".
 */
export function describeError(error: unknown): string {
  const summary = messageOf(error);
  const root = messageOf(rootCause(error));
  const line = root && root !== summary ? `${summary} (${root})` : summary;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function messageOf(error: unknown): string {
  const e = (error ?? {}) as ErrorLike;
  // Node's AggregateError for a refused connection has an empty message but a code.
  const text = [e.shortMessage, e.message, e.code].find((v) => typeof v === "string" && v !== "") ?? String(error);
  return String(text).split("\n")[0]!;
}

function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 10 && (current as ErrorLike | undefined)?.cause; depth++) {
    current = (current as ErrorLike).cause;
  }
  return current;
}
