import { NextResponse } from "next/server";
import { catalog } from "@/lib/agents/catalog";
import { jsonError } from "@/lib/http/json";

export const dynamic = "force-dynamic";

export function GET() {
  try {
    return NextResponse.json({ agents: catalog() }, { headers: { "Access-Control-Allow-Origin": "*" } });
  } catch (err) {
    return jsonError(500, "agents_config_invalid", (err as Error).message);
  }
}
