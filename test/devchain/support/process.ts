import { readFileSync } from "node:fs";

/** Gone, or a zombie that no longer runs (exited, not yet reaped by whoever adopted it). */
export function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}
