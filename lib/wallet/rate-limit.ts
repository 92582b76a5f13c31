/** At most one accepted call per key per window, in this process's memory (enough for one app server). */
export class RateLimiter {
  private last = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** Takes the key's slot, or says how many milliseconds remain until it is free. */
  take(key: string, now = Date.now()): { ok: true } | { ok: false; retryAfterMs: number } {
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.windowMs) {
      return { ok: false, retryAfterMs: this.windowMs - (now - previous) };
    }
    this.last.set(key, now);
    // Forget expired entries so the map does not grow with every address ever seen.
    for (const [k, t] of this.last) if (now - t >= this.windowMs) this.last.delete(k);
    return { ok: true };
  }

  /** Gives a slot back, e.g. when the work it guarded failed before doing anything. */
  release(key: string): void {
    this.last.delete(key);
  }
}
