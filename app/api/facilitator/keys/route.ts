import { handleCreateKey, handleListKeys } from "@/lib/x402/facilitator/key-admin";

export const dynamic = "force-dynamic";

export function GET(req: Request) {
  return handleListKeys(req);
}

export function POST(req: Request) {
  return handleCreateKey(req);
}
