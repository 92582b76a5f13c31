"use client";

import dynamic from "next/dynamic";
import { useNetwork } from "@/components/network/NetworkProvider";
import { Button } from "@/components/ui/Button";
import { AgentPicker } from "./AgentPicker";
import { useChatState } from "./ChatProvider";

// The chat (AI SDK, the x402 client, signing) loads once an agent is chosen, keeping the first load small.
const ChatSession = dynamic(() => import("./ChatSession").then((m) => m.ChatSession), {
  ssr: false,
  loading: () => <p className="p-4 text-sm text-zinc-500">Loading the chat…</p>,
});

export function ChatArea() {
  const { network } = useNetwork();
  const { agent, selectAgent, conversations, conversationId } = useChatState();
  if (!agent) {
    return (
      <main data-testid="chat-area" className="flex min-w-0 flex-col md:min-h-0 md:flex-1 md:overflow-y-auto">
        <AgentPicker />
      </main>
    );
  }
  const saved = conversations.find((c) => c.id === conversationId);
  return (
    // One screen below the header (h-14) on a phone; the rest of the row beside the side panel from md up.
    // min-w-0: a long description truncates instead of widening the column and pushing the panel off-screen.
    <main data-testid="chat-area" className="flex h-[calc(100dvh-3.5rem)] min-w-0 flex-col md:h-auto md:min-h-0 md:flex-1">
      <div className="flex items-center justify-between gap-3 border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
        <div className="min-w-0">
          <p data-testid="chat-agent-name" className="truncate font-medium">
            {agent.name}
          </p>
          <p data-testid="chat-agent-description" className="truncate text-xs text-zinc-600 dark:text-zinc-400" title={agent.description}>
            {agent.priceDisplay} per message · {agent.description}
          </p>
        </div>
        <Button data-testid="change-agent" size="sm" onClick={() => selectAgent(null)} className="shrink-0">
          Change agent
        </Button>
      </div>
      <ChatSession key={`${network.chainId}:${conversationId}`} agent={agent} network={network} conversationId={conversationId} initialMessages={saved?.messages ?? []} />
    </main>
  );
}
