import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { NetworkProvider } from "@/components/network/NetworkProvider";
import "./globals.css";

export const metadata: Metadata = {
  title: "x402 Chat",
  description: "Chat with AI agents that charge per message over x402, paid in USDC from a wallet in your browser.",
  icons: { icon: "/favicon.svg" },
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Render every page per request: each response's scripts carry that response's CSP nonce (proxy.ts),
  // which a page prerendered at build time could not have.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <NetworkProvider>{children}</NetworkProvider>
      </body>
    </html>
  );
}
