/**
 * Seeded random inputs for the fuzz tests: the same seed gives the same cases,
 * so a failure names its seed and case and can be replayed with FUZZ_SEED.
 */

export const SEED = Number(process.env.FUZZ_SEED ?? 402_402);

/** mulberry32: small, fast, good enough to spread cases; not for anything secret. */
export function prng(seed = SEED) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;

  const UNICODE = ["é", "ß", "中", "😀", "\u0000", "\u202e", "\ufeff", "\ud800", "\uffff", "\n", "\\", '"', "'", "<", "%00", "\t"];
  const string = (maxLength = 40): string =>
    Array.from({ length: int(maxLength + 1) }, () => (chance(0.2) ? pick(UNICODE) : String.fromCharCode(32 + int(95)))).join("");
  const bytes = (maxLength = 200) => Uint8Array.from({ length: int(maxLength + 1) }, () => int(256));
  const hex = (n: number) => `0x${Array.from({ length: n }, () => "0123456789abcdef"[int(16)]).join("")}`;

  /** Values of every JSON type and the edges that break parsers: huge, negative, fractional, empty, deep. */
  const scalar = (): unknown =>
    pick([
      () => null,
      () => chance(0.5),
      () => int(1000),
      () => -1,
      () => 1e308,
      () => -0,
      () => 0.5,
      () => Number.MAX_SAFE_INTEGER + 2,
      () => "",
      () => string(),
      () => "9".repeat(80),
      () => "-1",
      () => "1e6",
      () => "0x",
      () => hex(40),
      () => hex(64),
      () => "eip155:31337",
      () => "x".repeat(20_000),
    ])();
  const json = (depth = 3): unknown => {
    if (depth <= 0 || chance(0.4)) return scalar();
    if (chance(0.5)) return Array.from({ length: int(4) }, () => json(depth - 1));
    return Object.fromEntries(Array.from({ length: int(5) }, () => [chance(0.7) ? string(8) : pick(["__proto__", "constructor", "toString"]), json(depth - 1)]));
  };
  const deep = (levels: number): unknown => (levels === 0 ? scalar() : chance(0.5) ? [deep(levels - 1)] : { a: deep(levels - 1) });

  /** One random change to a copy of `value`: a field replaced (wrong type, huge, unicode), removed or added. */
  const mutate = <T>(value: T, times = 1 + int(3)): T => {
    const copy = structuredClone(value) as unknown;
    for (let i = 0; i < times; i++) {
      const path: Array<Record<string, unknown> | unknown[]> = [];
      let node = copy;
      while (node && typeof node === "object" && (path.length === 0 || chance(0.6))) {
        path.push(node as Record<string, unknown>);
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        const child = (node as Record<string, unknown>)[pick(keys)];
        if (!child || typeof child !== "object") break;
        node = child;
      }
      const target = path.at(-1) as Record<string, unknown> | undefined;
      if (!target) continue;
      const key = pick(Object.keys(target).length ? Object.keys(target) : ["x"]);
      const action = int(3);
      if (action === 0) delete target[key];
      else if (action === 1) target[key] = chance(0.7) ? scalar() : json(2);
      else target[string(8)] = json(2);
    }
    return copy as T;
  };

  return { next, int, pick, chance, string, bytes, hex, scalar, json, deep, mutate };
}

export type Random = ReturnType<typeof prng>;

/** Runs `count` cases at `concurrency` at a time; every failure names the seed and the case to replay it. */
export async function forCases(count: number, concurrency: number, run: (i: number) => Promise<void>): Promise<void> {
  let nextCase = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (nextCase < count) {
        const i = nextCase++;
        try {
          await run(i);
        } catch (err) {
          (err as Error).message = `FUZZ_SEED=${SEED}, case ${i}: ${(err as Error).message}`;
          throw err;
        }
      }
    }),
  );
}
