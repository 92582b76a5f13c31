import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FaucetRequest } from "@/app/api/faucet/schema";
import { ProbeRequest } from "@/app/api/probe/schema";
import { catalog } from "@/lib/agents/catalog";
import { ChatRequestSchema } from "@/lib/agents/request";
import { openApiDocument } from "@/lib/http/openapi";
import { toJsonSchema } from "@/lib/http/schema";

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

  it("documents each request body with the schema its handler validates with", () => {
    const { paths } = openApiDocument("http://x");
    const bodyOf = (path: string) => (paths[path]!.post as { requestBody: { content: { "application/json": { schema: unknown } } } }).requestBody.content["application/json"].schema;
    expect(bodyOf("/api/x402/{agentId}/chat")).toEqual(toJsonSchema(ChatRequestSchema));
    expect(bodyOf("/agent/{agentId}/v1/chat")).toEqual(toJsonSchema(ChatRequestSchema));
    expect(bodyOf("/api/probe")).toEqual(toJsonSchema(ProbeRequest));
    expect(bodyOf("/api/faucet")).toEqual(toJsonSchema(FaucetRequest));
    // The chat body names both message shapes and their limits.
    expect(bodyOf("/api/x402/{agentId}/chat")).toMatchObject({
      required: ["messages"],
      properties: { messages: { minItems: 1, maxItems: 100, items: { anyOf: [{ required: ["role", "content"] }, { required: ["id", "role", "parts"] }] } } },
    });
  });

  it("documents the catalog's agents with their schemes and pricing, as the catalog answers them", () => {
    const { paths } = openApiDocument("http://x");
    type Schema = { required?: string[]; properties?: Record<string, Schema>; items?: Schema; enum?: string[] };
    const responseOf = (path: string) =>
      (paths[path]!.get as { responses: { "200": { content: { "application/json": { schema: Schema } } } } }).responses["200"].content["application/json"].schema;
    const agent = responseOf("/api/agents").properties!.agents!.items!;
    const [analyst] = catalog();
    // Every field the catalog sends is documented, and every documented required field is sent.
    expect(Object.keys(agent.properties!).sort()).toEqual(expect.arrayContaining(Object.keys(analyst!).sort()));
    expect(agent.required!.sort()).toEqual(Object.keys(analyst!).filter((key) => key !== "statusReason").sort());
    expect(agent.properties!.schemes!.items!.enum).toEqual(["exact", "batch-settlement"]);
    expect(Object.keys(agent.properties!.pricing!.properties!).sort()).toEqual(Object.keys(analyst!.pricing).sort());
    expect(Object.keys(agent.properties!.pricing!.properties!.tokens!.properties!).sort()).toEqual(Object.keys(analyst!.pricing.tokens!).sort());
    // The manifest's routes carry the same two.
    const resource = responseOf("/.well-known/x402").properties!.resources!.items!;
    expect(resource.properties).toMatchObject({ schemes: agent.properties!.schemes, pricing: agent.properties!.pricing });
  });

  it("documents every 4xx and 5xx answer but the 402 quote as {error:{code,message}}", () => {
    const { paths } = openApiDocument("http://x");
    const errors = Object.values(paths).flatMap((operations) =>
      Object.values(operations).flatMap((operation) =>
        Object.entries((operation as { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }).responses)
          .filter(([status]) => /^[45]\d\d$/.test(status) && status !== "402")
          .map(([, response]) => response.content?.["application/json"]?.schema),
      ),
    );
    expect(errors.length).toBeGreaterThan(20);
    for (const schema of errors) {
      expect(schema).toMatchObject({ required: ["error"], properties: { error: { required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } } } });
    }
  });
});
