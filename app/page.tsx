import { ChatArea } from "@/components/chat/ChatArea";
import { AppHeader } from "@/components/shell/AppHeader";
import { SidePanel } from "@/components/shell/SidePanel";

export default function HomePage() {
  return (
    <div className="flex min-h-screen flex-col">
      <AppHeader />
      <div className="flex flex-1 flex-col md:flex-row">
        <ChatArea />
        <SidePanel />
      </div>
    </div>
  );
}
