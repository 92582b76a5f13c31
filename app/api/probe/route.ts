import { NextResponse } from "next/server";
import { readJsonBody } from "@/lib/http/body";
import { formatZodError, jsonError } from "@/lib/http/json";
import { SafeFetchError } from "@/lib/remote-agents/safe-fetch";
import { probeUrl } from "@/lib/remote-agents/probe";
import { ProbeRequest } from "./schema";

export const dynamic = "force-dynamic";

/**
 * POST {url}: the URL's price, read without paying. 200 with the quote (its
 * `reason` says why it cannot be paid, or why the URL gave no quote); 400 for
 * a URL that is not http(s), 403 for one the outbound URL policy refuses.
 */
export async function POST(req: Request) {
  const json = await readJsonBody(req, 16_384);
  if (!json.ok) return jsonError(json.status, json.status === 413 ? "body_too_large" : "invalid_json", `${json.message} Send {"url": "https://…"}.`);
  const parsed = ProbeRequest.safeParse(json.value);
  if (!parsed.success) return jsonError(400, "invalid_request", formatZodError(parsed.error));
  try {
    return NextResponse.json(await probeUrl(parsed.data.url));
  } catch (err) {
    if (err instanceof SafeFetchError) return jsonError(err.code === "blocked_target" ? 403 : 400, err.code, err.message);
    throw err;
  }
}
