"use client";

import { useEffect, useState } from "react";
import type { CatalogEntry } from "@/lib/agents/catalog";
import type { NormalizedQuote } from "@/lib/remote-agents/parse-quote";

export type CatalogState = { state: "loading" } | { state: "ready"; agents: CatalogEntry[] } | { state: "error"; message: string };

let cached: Promise<CatalogEntry[]> | null = null;

/** The published agents (GET /api/agents), fetched once per page. */
export function loadCatalog(): Promise<CatalogEntry[]> {
  cached ??= fetch("/api/agents", { cache: "no-store" })
    .then(async (res) => {
      if (!res.ok) throw new Error(`the catalog answered HTTP ${res.status}`);
      return ((await res.json()) as { agents: CatalogEntry[] }).agents;
    })
    .catch((err: unknown) => {
      cached = null; // try again next time
      throw err;
    });
  return cached;
}

export function useCatalog(): CatalogState {
  const [state, setState] = useState<CatalogState>({ state: "loading" });
  useEffect(() => {
    let live = true;
    loadCatalog().then(
      (agents) => live && setState({ state: "ready", agents }),
      (err: Error) => live && setState({ state: "error", message: err.message }),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

/** Asks the server to fetch an agent URL without paying and read its 402 quote. */
export async function probeAgentUrl(url: string): Promise<NormalizedQuote> {
  const res = await fetch("/api/probe", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url }),
  });
  const body = (await res.json().catch(() => null)) as { quote?: NormalizedQuote; error?: { message?: string } } | null;
  if (!res.ok || !body?.quote) throw new Error(body?.error?.message ?? `the probe answered HTTP ${res.status}`);
  return body.quote;
}
