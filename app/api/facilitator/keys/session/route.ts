import { handleSessionStatus, handleSignIn, handleSignOut } from "@/lib/x402/facilitator/key-admin";

export const dynamic = "force-dynamic";

export function GET(req: Request) {
  return handleSessionStatus(req);
}

export function POST(req: Request) {
  return handleSignIn(req);
}

export function DELETE(req: Request) {
  return handleSignOut(req);
}
