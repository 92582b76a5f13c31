/**
 * Which page owns an open journal entry: the page that sent the payment holds a Web Lock named after it until
 * the reply ends, so a page resolving the journal (another tab, or this one later) never takes over a payment
 * whose reply is still arriving. A reload or a closed tab releases its locks.
 */
const lockName = (nonce: string) => `x402chat:journal:${nonce.toLowerCase()}`;
const held = new Map<string, () => void>();

function locks(): LockManager | null {
  return typeof navigator !== "undefined" && navigator.locks ? navigator.locks : null;
}

/** Holds the entry's lock until `releaseEntry`; this page counts it as held at once, before the lock is granted. */
export function holdEntry(nonce: string): void {
  if (held.has(nonce)) return;
  let released = false;
  let release: (() => void) | undefined;
  held.set(nonce, () => {
    released = true;
    release?.();
  });
  void locks()?.request(lockName(nonce), () => (released ? Promise.resolve() : new Promise<void>((resolve) => (release = resolve))));
}

export function releaseEntry(nonce: string): void {
  held.get(nonce)?.();
  held.delete(nonce);
}

/** Runs `fn` only if no page holds the entry (without Web Locks: always); returns whether it ran. */
export async function withFreeEntry(nonce: string, fn: () => Promise<void>): Promise<boolean> {
  if (held.has(nonce)) return false;
  const manager = locks();
  if (!manager) {
    await fn();
    return true;
  }
  return manager.request(lockName(nonce), { ifAvailable: true }, async (lock) => {
    if (!lock) return false;
    await fn();
    return true;
  });
}
