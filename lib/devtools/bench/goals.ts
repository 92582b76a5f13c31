/** Issue 17's goals as ratios of one bench run's figures: what each is, its figure, and whether it is met. */

type Modes<K extends string> = Partial<Record<K, number>>;

export interface Summary {
  cpuMsPerMessage: Modes<"unpaid" | "exact" | "tab" | "withX402">;
  gasPerMessage: Modes<"exact" | "exactBatched" | "tab">;
  perSecond: Modes<"unpaid" | "exact" | "tab">;
  ttftMs: Modes<"unpaid" | "exact" | "tab" | "withX402">;
  firstLoadJsKb?: number;
  unlockMs?: number;
}

export interface Goal {
  goal: string;
  /** null when a section it needs was skipped. */
  figure: number | null;
  unit: string;
  met: boolean | null;
}

const ratio = (a?: number, b?: number) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
const minus = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : a - b);

export function goalsOf(s: Summary): Goal[] {
  const at = (goal: string, figure: number | undefined, unit: string, ok: (n: number) => boolean): Goal => ({
    goal,
    figure: figure ?? null,
    unit,
    met: figure === undefined ? null : ok(figure),
  });
  const cpu = s.cpuMsPerMessage;
  return [
    at("CPU per message, exact ≤ 0.5 × withX402", ratio(cpu.exact, cpu.withX402), "×", (n) => n <= 0.5),
    at("CPU per message, exact ≤ 2 × unpaid", ratio(cpu.exact, cpu.unpaid), "×", (n) => n <= 2),
    at("CPU per message, tab − unpaid ≤ 1 ms", minus(cpu.tab, cpu.unpaid), "ms", (n) => n <= 1),
    at("gas per message, batched exact ≤ 40k", s.gasPerMessage.exactBatched, "gas", (n) => n <= 40_000),
    at("gas per message, tab ≤ 2k", s.gasPerMessage.tab, "gas", (n) => n <= 2_000),
    at("throughput, exact / unpaid ≥ 0.5", ratio(s.perSecond.exact, s.perSecond.unpaid), "×", (n) => n >= 0.5),
    at("throughput, tab / unpaid ≥ 0.9", ratio(s.perSecond.tab, s.perSecond.unpaid), "×", (n) => n >= 0.9),
    at("time to first token, exact − unpaid ≤ 10 ms", minus(s.ttftMs.exact, s.ttftMs.unpaid), "ms", (n) => n <= 10),
    at("time to first token, withX402 / ours ≥ 8×", ratio(s.ttftMs.withX402, s.ttftMs.exact), "×", (n) => n >= 8),
    at("first-load JS ≤ 200 KB", s.firstLoadJsKb, "KB", (n) => n <= 200),
    at("unlock ≤ 300 ms", s.unlockMs, "ms", (n) => n <= 300),
  ];
}

export function printGoals(goals: Goal[], log: (line: string) => void): void {
  const width = Math.max(...goals.map((g) => g.goal.length));
  log(`${"goal".padEnd(width)}  ${"figure".padStart(12)}  met?`);
  for (const g of goals) {
    const figure = g.figure === null ? "—" : `${g.figure < 10 ? g.figure.toFixed(2) : g.figure.toFixed(g.unit === "gas" ? 0 : 1)} ${g.unit}`;
    log(`${g.goal.padEnd(width)}  ${figure.padStart(12)}  ${g.met === null ? "skipped" : g.met ? "yes" : "NO"}`);
  }
}
