import { ChatArea } from "@/components/chat/ChatArea";
import { ChatProvider } from "@/components/chat/ChatProvider";
import { AppHeader } from "@/components/shell/AppHeader";
import { SidePanel } from "@/components/shell/SidePanel";

export default function HomePage() {
  return (
    <div className="flex min-h-screen flex-col">
      <AppHeader />
      <ChatProvider>
        <div className="flex flex-1 flex-col md:flex-row">
          <ChatArea />
          <SidePanel />
        </div>
      </ChatProvider>
    </div>
  );
}
