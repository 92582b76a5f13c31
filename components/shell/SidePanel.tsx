import { NetworkStatusBadge } from "@/components/network/NetworkStatusBadge";

export function SidePanel() {
  return (
    <aside
      data-testid="side-panel"
      className="flex w-full flex-col gap-4 border-zinc-200 p-4 md:w-80 md:border-l dark:border-zinc-800"
    >
      <section className="flex flex-col gap-2">
        <h2 className="text-xs font-semibold uppercase tracking-wide text-zinc-500">Network</h2>
        <NetworkStatusBadge />
      </section>
      <section className="flex flex-col gap-2">
        <h2 className="text-xs font-semibold uppercase tracking-wide text-zinc-500">Agents</h2>
        <p className="text-sm text-zinc-500">The agent catalog appears here.</p>
      </section>
    </aside>
  );
}
