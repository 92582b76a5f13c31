import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "@/lib/http/openapi";

/** Every app/**\/route.ts as an OpenAPI path: [agentId] -> {agentId}. */
function routePaths(dir = path.resolve("app"), prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isFile()) return entry.name === "route.ts" ? [prefix || "/"] : [];
    const segment = entry.name.replace(/^\[(.+)\]$/, "{$1}");
    return routePaths(path.join(dir, entry.name), `${prefix}/${segment}`);
  });
}

describe("/openapi.json", () => {
  it("documents every route handler the app has, and no route it lacks", () => {
    const documented = Object.keys(openApiDocument("http://x").paths).sort();
    expect(documented).toEqual(routePaths().sort());
  });

  it("is OpenAPI 3.1 with a server URL", () => {
    const doc = openApiDocument("http://127.0.0.1:3000");
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers[0]!.url).toBe("http://127.0.0.1:3000");
  });
});
