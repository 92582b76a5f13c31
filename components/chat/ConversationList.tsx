"use client";

import { useState } from "react";
import { useNetwork } from "@/components/network/NetworkProvider";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import type { Conversation } from "@/lib/browser/chat/conversations";
import { catalogAgent, urlAgent } from "../../lib/x402/payer/chat-agent";
import { useChatState } from "./ChatProvider";
import { loadCatalog, probeAgentUrl } from "./useCatalog";

export function ConversationList() {
  const { network } = useNetwork();
  const { conversations, conversationId, selectAgent, newChat, remove, agent } = useChatState();
  const [problem, setProblem] = useState<string | null>(null);

  // Reopening finds the agent again: from the catalog, or by probing its URL anew (its price may have changed).
  const reopen = async (conversation: Conversation) => {
    setProblem(null);
    try {
      const ref = conversation.agent;
      if (ref.kind === "catalog") {
        const entry = (await loadCatalog()).find((a) => a.id === ref.id);
        if (!entry) throw new Error(`${ref.name} is no longer published`);
        selectAgent(catalogAgent(entry, network), conversation.id);
      } else {
        selectAgent(urlAgent(ref.url, await probeAgentUrl(ref.url), network), conversation.id);
      }
    } catch (err) {
      setProblem(`Cannot reopen “${conversation.title}”: ${(err as Error).message}`);
    }
  };

  return (
    <div data-testid="conversation-list" className="flex flex-col gap-1">
      <Button data-testid="new-chat" disabled={!agent} onClick={newChat} className="mb-1 text-left">
        + New chat{agent ? ` with ${agent.name}` : ""}
      </Button>
      {conversations.length === 0 && <p className="text-sm text-zinc-500">No conversations yet.</p>}
      {conversations.map((c) => (
        <div key={c.id} className={`group flex items-center gap-1 rounded-md px-2 py-1 text-sm ${c.id === conversationId ? "bg-zinc-200 dark:bg-zinc-800" : ""}`}>
          <button data-testid="conversation-item" onClick={() => void reopen(c)} className="min-w-0 flex-1 truncate text-left" title={`${c.title} · ${c.agent.name}`}>
            {c.title}
            <span className="block truncate text-xs text-zinc-600 dark:text-zinc-400">{c.agent.name}</span>
          </button>
          <Button variant="ghost" aria-label={`Delete ${c.title}`} onClick={() => remove(c.id)} className="text-xs opacity-0 group-hover:opacity-100 focus:opacity-100">
            ✕
          </Button>
        </div>
      ))}
      <FormError message={problem} />
    </div>
  );
}
