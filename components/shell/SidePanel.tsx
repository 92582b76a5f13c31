import Link from "next/link";
import { ConversationList } from "@/components/chat/ConversationList";
import { OpenTabsLazy } from "@/components/chat/OpenTabsLazy";
import { PolicySettingsLazy } from "@/components/chat/PolicySettingsLazy";
import { NetworkStatusBadge } from "@/components/network/NetworkStatusBadge";

const heading = "text-xs font-semibold uppercase tracking-wide text-zinc-600 dark:text-zinc-400";

export function SidePanel() {
  return (
    <aside
      data-testid="side-panel"
      className="flex w-full flex-col gap-5 border-t border-zinc-200 p-4 md:w-80 md:shrink-0 md:overflow-y-auto md:border-t-0 md:border-l dark:border-zinc-800"
    >
      <section className="flex flex-col gap-2">
        <h2 className={heading}>Network</h2>
        <NetworkStatusBadge />
      </section>
      <section className="flex flex-col gap-2">
        <h2 className={heading}>Conversations</h2>
        <ConversationList />
      </section>
      <section className="flex flex-col gap-2">
        <h2 className={heading}>Open tabs</h2>
        <OpenTabsLazy />
      </section>
      <section className="flex flex-col gap-2">
        <h2 className={heading}>Spending limits</h2>
        <PolicySettingsLazy />
      </section>
      <Link data-testid="history-link" href="/history" className="text-sm underline">
        Payment history and usage →
      </Link>
    </aside>
  );
}
