"use client";

/**
 * The history's charts, drawn by Chart.js. This module is loaded on demand (HistoryView imports it through
 * next/dynamic), so Chart.js is fetched by /history only and never weighs on the chat's first load.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";
import { useEffect, useMemo, useRef } from "react";
import { formatUsdc } from "@/lib/chains/usdc";
import { toUsdcNumber, type AgentSpend, type SpendPoint } from "./series";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, BarController, BarElement, Filler, Tooltip);

type LineConfig = ChartConfiguration<"line", Array<{ x: number; y: number }>>;
type BarConfig = ChartConfiguration<"bar", number[], string>;

interface Props {
  points: SpendPoint[];
  agents: AgentSpend[];
  decimals: number;
}

export default function SpendCharts({ points, agents, decimals }: Props) {
  const usdc = (atomic: bigint) => formatUsdc(atomic, decimals);
  const total = points.at(-1)?.cumulative ?? 0n;
  const spanMs = points.length > 1 ? points.at(-1)!.time - points[0]!.time : 0;
  // Ticks as precise as the span needs: a few minutes of payments would otherwise read "11:21" five times.
  const timeLabel = useMemo(() => {
    const options: Intl.DateTimeFormatOptions =
      spanMs > 2 * 86_400_000 ? { month: "short", day: "numeric" } : spanMs > 30 * 60_000 ? { hour: "2-digit", minute: "2-digit" } : { hour: "2-digit", minute: "2-digit", second: "2-digit" };
    const format = new Intl.DateTimeFormat(undefined, options);
    return (ms: number) => format.format(ms);
  }, [spanMs]);

  // Built again only when the data changes: a new configuration redraws the chart.
  const overTime = useMemo((): LineConfig => ({
    type: "line",
    data: {
      datasets: [
        {
          label: "Spent so far",
          data: points.map((p) => ({ x: p.time, y: toUsdcNumber(p.cumulative, decimals) })),
          stepped: "before",
          fill: "origin",
          borderColor: "#059669",
          backgroundColor: "rgba(5, 150, 105, 0.15)",
          pointRadius: points.length > 40 ? 0 : 3,
          borderWidth: 2,
        },
      ],
    },
    options: {
      ...common(),
      scales: {
        x: { type: "linear", ...(points.length > 1 && { min: points[0]!.time, max: points.at(-1)!.time }), ticks: { ...tickStyle(), maxTicksLimit: 4, maxRotation: 0, callback: (v) => timeLabel(Number(v)) }, grid: { display: false } },
        y: { beginAtZero: true, ticks: { ...tickStyle(), maxTicksLimit: 5 }, grid: gridStyle() },
      },
      plugins: {
        tooltip: { callbacks: { title: (items) => new Date(items[0]!.parsed.x ?? 0).toLocaleString(), label: (item) => `${item.parsed.y} USDC spent so far` } },
      },
    },
  }), [points, decimals, timeLabel]);

  const perAgent = useMemo((): BarConfig => ({
    type: "bar",
    data: {
      labels: agents.map((a) => a.agentName),
      datasets: [{ label: "Spent", data: agents.map((a) => toUsdcNumber(a.spent, decimals)), backgroundColor: "#6366f1", borderRadius: 4, maxBarThickness: 28 }],
    },
    options: {
      ...common(),
      indexAxis: "y",
      scales: {
        x: { beginAtZero: true, ticks: { ...tickStyle(), maxTicksLimit: 5 }, grid: gridStyle() },
        y: { ticks: tickStyle(), grid: { display: false } },
      },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.parsed.x} USDC in ${agents[item.dataIndex]?.messages ?? 0} messages` } } },
    },
  }), [agents, decimals]);

  return (
    <section className="grid gap-4 md:grid-cols-2">
      <ChartCard
        title="Spent over time"
        testId="chart-spend"
        config={overTime}
        count={points.length}
        description={
          points.length === 0
            ? "Nothing settled yet."
            : `${usdc(total)} spent in ${points.length} settled payment${points.length === 1 ? "" : "s"}, from ${new Date(points[0]!.time).toLocaleString()} to ${new Date(points.at(-1)!.time).toLocaleString()}.`
        }
      />
      <ChartCard
        title="Spent per agent"
        testId="chart-agents"
        config={perAgent}
        count={agents.length}
        height={Math.max(200, 40 + agents.length * 36)}
        description={agents.length === 0 ? "Nothing settled yet." : agents.map((a) => `${a.agentName}: ${usdc(a.spent)}`).join("; ")}
      />
    </section>
  );
}

/** One chart on a canvas; the canvas is an image whose text alternative says what it draws. */
function ChartCard({ title, testId, config, count, description, height = 200 }: { title: string; testId: string; config: LineConfig | BarConfig; count: number; description: string; height?: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const drawn = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!canvas.current || count === 0) return;
    const chart = new Chart(canvas.current, config as ChartConfiguration<"line" | "bar">);
    drawn.current?.setAttribute("data-drawn", "true");
    return () => chart.destroy();
  }, [config, count]);

  return (
    <div ref={drawn} data-testid={testId} data-count={count} className="min-w-0 rounded-lg border border-zinc-200 p-3 dark:border-zinc-800">
      <h2 className="mb-2 text-sm font-semibold uppercase tracking-wide text-zinc-500">{title}</h2>
      {count === 0 ? (
        <p className="text-sm text-zinc-500">{description}</p>
      ) : (
        <div className="relative" style={{ height }}>
          <canvas ref={canvas} role="img" aria-label={`${title}: ${description}`}>
            {description}
          </canvas>
        </div>
      )}
    </div>
  );
}

/** Axis text in the page's muted colour, in light and dark mode alike. */
function tickStyle() {
  return { color: "#71717a", font: { size: 11 } };
}

function gridStyle() {
  return { color: "rgba(113, 113, 122, 0.2)" };
}

function common() {
  // Padding: the first and last points sit on the edges of the axis, and would be cut in half.
  return { responsive: true, maintainAspectRatio: false, animation: false as const, layout: { padding: { left: 4, right: 8, top: 4 } }, plugins: { legend: { display: false } } };
}
