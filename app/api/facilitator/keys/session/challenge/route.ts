import { handleChallenge } from "@/lib/x402/facilitator/key-admin";

export const dynamic = "force-dynamic";

export function POST(req: Request) {
  return handleChallenge(req);
}
