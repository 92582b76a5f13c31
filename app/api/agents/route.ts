import { NextResponse } from "next/server";
import { checkedCatalog } from "@/lib/agents/catalog";
import { jsonError } from "@/lib/http/json";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    return NextResponse.json({ agents: await checkedCatalog() }, { headers: { "Access-Control-Allow-Origin": "*" } });
  } catch (err) {
    return jsonError(500, "agents_config_invalid", (err as Error).message);
  }
}
