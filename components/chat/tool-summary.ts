import { usd } from "@/lib/agents/tools/phrase";

/**
 * One line that says what a tool call found, for its card: "ETH/USD $3,000.00 · Chainlink". Our own tools are
 * known by their output's shape (other agents name their tools as they like, so the name alone proves nothing);
 * anything else gets its first few scalar fields. Never throws: the output is whatever the agent sent.
 */
export function summarizeToolOutput(output: unknown): string {
  if (output === null || output === undefined) return "no result";
  if (typeof output !== "object") return clip(String(output));
  const o = output as Record<string, unknown>;

  // getPrice (Chainlink)
  if (typeof o.pair === "string" && typeof o.price === "string" && typeof o.feed === "string") {
    return `${o.pair} ${money(o.price)} · Chainlink`;
  }
  // getTokenPrices (DeFiLlama)
  if (Array.isArray(o.prices) && Array.isArray(o.notFound)) {
    const found = (o.prices as Array<Record<string, unknown>>)
      .filter((p) => typeof p?.price === "number")
      .map((p) => `${String(p.symbol ?? p.coin)} ${money(p.price)}`);
    const missing = o.notFound.length > 0 ? ` · not found: ${o.notFound.join(", ")}` : "";
    return clip(`${found.join(", ") || "no prices"}${missing} · DeFiLlama`);
  }
  // getProtocolTvl (DeFiLlama)
  if (typeof o.protocol === "string" && typeof o.tvlUsd === "number") {
    return `${o.protocol} TVL ${money(o.tvlUsd, 0)} · DeFiLlama`;
  }
  // getBalances
  if (typeof o.address === "string" && typeof o.eth === "string" && typeof o.usdc === "string") {
    return `${short(o.address)} · ${o.usdc} USDC · ${o.eth} ETH`;
  }
  // getTransaction
  if (typeof o.hash === "string" && typeof o.status === "string" && Array.isArray(o.usdcTransfers)) {
    const moved = (o.usdcTransfers as Array<Record<string, unknown>>).map((t) => `${String(t.amount)} USDC`).join(", ");
    return `${short(o.hash)} ${o.status}${typeof o.blockNumber === "string" ? ` in block ${o.blockNumber}` : ""}${moved ? ` · ${moved}` : ""}`;
  }

  const scalars = Object.entries(o)
    .filter(([, v]) => ["string", "number", "boolean"].includes(typeof v))
    .slice(0, 3)
    .map(([k, v]) => `${k}: ${String(v)}`);
  return clip(scalars.length > 0 ? scalars.join(" · ") : Array.isArray(output) ? `${output.length} items` : "result");
}

// A price the agent sent that is not a number is shown as it came, not as "$NaN".
function money(amount: unknown, fractionDigits = 2): string {
  const n = typeof amount === "number" ? amount : typeof amount === "string" && amount.trim() !== "" ? Number(amount) : NaN;
  return Number.isFinite(n) ? usd(n, fractionDigits) : String(amount);
}

const short = (hex: string) => (hex.length > 14 ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : hex);
const clip = (line: string) => (line.length > 120 ? `${line.slice(0, 119)}…` : line);
