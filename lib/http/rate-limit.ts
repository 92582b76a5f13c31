/**
 * At most `max` accepted calls per key within a sliding window, in this process's memory (enough for one app
 * server; the ledger guards what must hold across processes).
 */
export class RateLimiter {
  private hits = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly max = 1,
  ) {}

  /** Takes a slot of the key, or says how many milliseconds remain until one is free. */
  take(key: string, now = Date.now()): { ok: true } | { ok: false; retryAfterMs: number } {
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.max) {
      this.hits.set(key, recent);
      return { ok: false, retryAfterMs: this.windowMs - (now - recent[0]!) };
    }
    recent.push(now);
    this.hits.set(key, recent);
    // Forget expired keys so the map does not grow with every key ever seen.
    if (this.hits.size > 1_000) for (const [k, times] of this.hits) if (times.every((t) => now - t >= this.windowMs)) this.hits.delete(k);
    return { ok: true };
  }

  /** Gives the key's latest slot back, e.g. when the work it guarded failed before doing anything. */
  release(key: string): void {
    const times = this.hits.get(key);
    times?.pop();
    if (times?.length === 0) this.hits.delete(key);
  }
}
