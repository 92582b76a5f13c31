import "server-only";
import { env } from "@/lib/env";
import type { ToolkitName } from "./index";

/**
 * Whether each toolkit's outside service answers, for an agent's status ("degraded: DeFiLlama unreachable"), so a
 * payer sees it before paying for a reply whose tools would all fail (such a reply is not charged either). Only
 * DeFiLlama is outside: the chain toolkits read the app's own RPC, whose loss makes the whole app unavailable.
 * Any HTTP answer counts as reachable; a refused connection, a DNS failure or no answer in PROBE_TIMEOUT_MS does not.
 */

const PROBE_TIMEOUT_MS = 2_000;
/** A probe's verdict is kept this long: the catalog is asked often, DeFiLlama's reachability changes rarely. */
const FRESH_MS = 30_000;

const SERVICES: Partial<Record<ToolkitName, { name: string; urls: () => string[] }>> = {
  defillama: { name: "DeFiLlama", urls: () => [env.DEFILLAMA_BASE_URL, env.DEFILLAMA_COINS_URL] },
};

const verdicts = new Map<string, { reachable: boolean; at: number; probing?: Promise<void> }>();

async function probe(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** Probes the services of these toolkits whose verdict is missing or stale, and waits for the answers. */
export async function checkToolkits(toolkits: Iterable<string>): Promise<void> {
  const urls = new Set<string>();
  for (const toolkit of toolkits) for (const url of SERVICES[toolkit as ToolkitName]?.urls() ?? []) urls.add(url);
  await Promise.all(
    [...urls].map((url) => {
      const known = verdicts.get(url);
      if (known?.probing) return known.probing;
      if (known && Date.now() - known.at < FRESH_MS) return undefined;
      const probing = probe(url).then((reachable) => void verdicts.set(url, { reachable, at: Date.now() }));
      verdicts.set(url, { reachable: known?.reachable ?? true, at: known?.at ?? 0, probing });
      return probing;
    }),
  );
}

/** The services of these toolkits last found unreachable, by name ("DeFiLlama"); unknown counts as reachable. */
export function unreachableServices(toolkits: readonly string[]): string[] {
  const names = new Set<string>();
  for (const toolkit of toolkits) {
    const service = SERVICES[toolkit as ToolkitName];
    if (service?.urls().some((url) => verdicts.get(url)?.reachable === false)) names.add(service.name);
  }
  return [...names];
}
