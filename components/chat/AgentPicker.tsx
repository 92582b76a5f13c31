"use client";

import { useState } from "react";
import { useNetwork } from "@/components/network/NetworkProvider";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { Input } from "@/components/ui/Input";
import type { NormalizedQuote } from "@/lib/remote-agents/parse-quote";
import { networkByX402Id } from "@/lib/chains/networks";
import { catalogAgent, urlAgent, type ChatAgent } from "../../lib/x402/payer/chat-agent";
import { useChatState } from "./ChatProvider";
import { GettingStarted } from "./GettingStarted";
import { probeAgentUrl, useCatalog } from "./useCatalog";

export function AgentPicker() {
  const catalog = useCatalog();
  const { network } = useNetwork();
  const { selectAgent } = useChatState();

  return (
    <div data-testid="agent-picker" className="mx-auto flex w-full max-w-3xl flex-col gap-6 p-4 sm:p-6">
      <GettingStarted />
      <section>
        <h2 className="mb-3 text-sm font-semibold uppercase tracking-wide text-zinc-600 dark:text-zinc-400">Agents</h2>
        {catalog.state === "loading" && <p className="text-sm text-zinc-500">Loading agents…</p>}
        {catalog.state === "error" && (
          <FormError message={`The agent catalog could not be loaded: ${catalog.message}`} />
        )}
        {catalog.state === "ready" && (
          <ul className="grid gap-3 sm:grid-cols-2">
            {catalog.agents.map((entry) => {
              const agent = catalogAgent(entry, network);
              return (
                <li key={entry.id}>
                  <button
                    data-testid={`agent-card-${entry.id}`}
                    disabled={!!agent.blocked}
                    onClick={() => selectAgent(agent)}
                    className="flex h-full w-full flex-col gap-1 rounded-lg border border-zinc-200 bg-white p-3 text-left text-sm hover:border-emerald-500 disabled:cursor-not-allowed disabled:opacity-60 dark:border-zinc-800 dark:bg-zinc-900"
                  >
                    <span className="flex items-center justify-between gap-2">
                      <span className="font-medium">{entry.name}</span>
                      <span className="shrink-0 font-mono text-xs">{agent.priceDisplay}</span>
                    </span>
                    <span className="line-clamp-3 text-xs text-zinc-600 dark:text-zinc-400">{entry.description}</span>
                    <span className="flex flex-wrap gap-1 text-xs">
                      {entry.capabilities.map((c) => (
                        <span key={c} className="rounded bg-zinc-100 px-1.5 py-0.5 dark:bg-zinc-800">
                          {c}
                        </span>
                      ))}
                    </span>
                    <span data-testid="agent-card-meta" className="flex items-center gap-1.5 text-xs text-zinc-600 dark:text-zinc-400">
                      <span aria-hidden className={`h-2 w-2 rounded-full ${entry.status === "available" ? "bg-emerald-500" : "bg-amber-500"}`} />
                      {entry.network.name} · {statusText(entry.status, entry.statusReason)}
                    </span>
                    {agent.blocked && <span className="text-xs text-amber-800 dark:text-amber-400">{agent.blocked}</span>}
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </section>
      <UrlProbe />
    </div>
  );
}

/** "Available", or the status with its reason ("Unavailable: its model is not configured"). */
function statusText(status: string, reason: string | undefined): string {
  const word = status.charAt(0).toUpperCase() + status.slice(1);
  return status === "available" || !reason ? word : `${word}: ${reason}`;
}

function UrlProbe() {
  const { network } = useNetwork();
  const { selectAgent } = useChatState();
  const [url, setUrl] = useState("");
  const [result, setResult] = useState<{ state: "idle" } | { state: "probing" } | { state: "done"; url: string; quote: NormalizedQuote } | { state: "error"; message: string }>({ state: "idle" });

  const probe = async () => {
    setResult({ state: "probing" });
    try {
      setResult({ state: "done", url: url.trim(), quote: await probeAgentUrl(url.trim()) });
    } catch (err) {
      setResult({ state: "error", message: (err as Error).message });
    }
  };
  const agent = result.state === "done" ? urlAgent(result.url, result.quote, network) : null;

  return (
    <section>
      <h2 className="mb-3 text-sm font-semibold uppercase tracking-wide text-zinc-600 dark:text-zinc-400">Or paste any x402 agent URL</h2>
      <form
        className="flex gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void probe();
        }}
      >
        <Input
          data-testid="agent-url-input"
          type="url"
          required
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://agent.example/chat"
          large
          className="flex-1"
        />
        <Button data-testid="agent-url-probe" type="submit" disabled={result.state === "probing"}>
          {result.state === "probing" ? "Checking…" : "Check price"}
        </Button>
      </form>
      {result.state === "error" && <FormError testId="probe-error" message={result.message} className="mt-2" />}
      {result.state === "done" && agent && <ProbeResult quote={result.quote} agent={agent} onUse={() => selectAgent(agent)} />}
    </section>
  );
}

/**
 * What a probed URL asks. A quote with a price says it, on which network, to whom; a URL that asks nothing we can
 * read (free, down, not x402) says why, with no made-up "unknown price".
 */
export function ProbeResult({ quote, agent, onUse }: { quote: NormalizedQuote; agent: ChatAgent; onUse: () => void }) {
  const networkName = quote.network ? (networkByX402Id(quote.network)?.name ?? quote.network) : null;
  return (
    <div data-testid="probe-result" data-payable={quote.payable} className="mt-3 rounded-md border border-zinc-200 p-3 text-sm dark:border-zinc-800">
      {quote.amount ? (
        <p>
          <span className="font-medium">{agent.name}</span> asks <span data-testid="probe-price" className="font-mono">{quote.amount.display}</span>
          {networkName && <> on {networkName}</>} per message
          {/* Atelier's pay-then-prove: a USDC transfer from the wallet, whose gas the wallet pays in ETH. */}
          {quote.payBy === "transfer" && <span data-testid="probe-transfer">, paid by transfer (+ gas in ETH)</span>}
        </p>
      ) : (
        <p>
          <span className="font-medium">{agent.name}</span> does not ask for a payment this app can read.
        </p>
      )}
      {quote.payTo && <p className="break-all font-mono text-xs text-zinc-600 dark:text-zinc-400">pays {quote.payTo}</p>}
      {agent.blocked ? (
        <p data-testid="probe-blocked" className="mt-1 text-amber-800 dark:text-amber-400">
          {agent.blocked}
        </p>
      ) : (
        <Button data-testid="probe-use" variant="primary" onClick={onUse} className="mt-2">
          Chat with this agent
        </Button>
      )}
    </div>
  );
}
