import { NextResponse } from "next/server";
import { x402Manifest } from "@/lib/x402/server/discovery";

export const dynamic = "force-dynamic";

export function GET(req: Request) {
  return NextResponse.json(x402Manifest(new URL(req.url).origin), { headers: { "Access-Control-Allow-Origin": "*" } });
}
