export function ChatArea() {
  return (
    <main data-testid="chat-area" className="flex flex-1 flex-col">
      <div className="flex flex-1 items-center justify-center p-8 text-center text-zinc-500">
        <p>Pick an agent and start chatting. Each message is paid in USDC over x402.</p>
      </div>
    </main>
  );
}
