import { ChatArea } from "@/components/chat/ChatArea";
import { ChatProvider } from "@/components/chat/ChatProvider";
import { AppHeader } from "@/components/shell/AppHeader";
import { SidePanel } from "@/components/shell/SidePanel";

export default function HomePage() {
  // From md up the page is the viewport: the chat and the side panel scroll each on its own, so the composer
  // stays at the bottom. Below md the chat takes one screen and the side panel follows it.
  return (
    <div className="flex min-h-dvh flex-col md:h-dvh">
      <AppHeader />
      <ChatProvider>
        <div className="flex flex-col md:min-h-0 md:flex-1 md:flex-row">
          <ChatArea />
          <SidePanel />
        </div>
      </ChatProvider>
    </div>
  );
}
