import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import * as contracts from "../contracts/index.js";
import { MemoryStore } from "../store/memory/memory-store.js";
import { type ApiHarness, startApiHarness } from "./support/api-harness.js";

interface Operation {
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string; allOf?: { $ref: string }[]; example?: unknown } }> }>;
}

/** The OpenAPI document at /docs: every route says what it answers, errors included, with an example. */
describe("the OpenAPI document", () => {
  let h: ApiHarness;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { example?: unknown }> } };
  beforeAll(async () => {
    h = await startApiHarness(new MemoryStore());
    const response = await h.server.inject({ method: "GET", url: "/docs/json" });
    expect(response.statusCode).toBe(200);
    doc = response.json();
  });
  afterAll(async () => {
    await h.close();
  });

  const schemaOf = (ref: { $ref?: string; allOf?: { $ref: string }[]; example?: unknown }) => {
    const name = (ref.$ref ?? ref.allOf?.[0]?.$ref)?.split("/").pop();
    return name === undefined ? ref : doc.components.schemas[name];
  };
  const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

  it("gives every route a success response with a schema and an example", () => {
    expect(operations().length).toBeGreaterThan(20);
    for (const { path, method, op } of operations()) {
      if (path === "/metrics") continue;
      const success = Object.entries(op.responses).find(([status]) => status.startsWith("2"));
      expect(success, `${method} ${path}`).toBeDefined();
      const schema = success![1].content?.["application/json"]?.schema;
      expect(schema, `${method} ${path}`).toBeDefined();
      expect(schemaOf(schema!)?.example, `${method} ${path} has no example`).toBeDefined();
    }
  });

  it("documents the error body for every status an authenticated route can answer", () => {
    for (const { path, method, op } of operations()) {
      if (path === "/healthz" || path === "/readyz" || path === "/metrics") continue;
      for (const status of ["401", "403", "429", "503"]) {
        const schema = op.responses[status]?.content?.["application/json"]?.schema;
        expect(schema, `${method} ${path} ${status}`).toBeDefined();
        expect(schemaOf(schema!), `${method} ${path} ${status}`).toBe(doc.components.schemas.ErrorBody);
        expect(op.responses[status]!.description).not.toBe("Default Response");
      }
    }
    expect(doc.paths["/fleet/jobs/{id}/actions/{action}"]!.post!.responses["409"]).toBeDefined();
    expect(doc.paths["/fleet/dlq/{id}/replay"]!.post!.responses["409"]).toBeDefined();
    expect(doc.paths["/fleet/jobs"]!.post!.responses["413"]).toBeDefined();
  });

  it("says that deps take idempotency keys", () => {
    const body = JSON.stringify(doc.paths["/fleet/jobs"]!.post!.requestBody);
    expect(body).toContain("Idempotency keys (not job ids)");
  });

  it("has examples that their own schemas accept", () => {
    let checked = 0;
    for (const value of Object.values(contracts)) {
      if (!(value instanceof z.ZodType)) continue;
      const example = (z.globalRegistry.get(value) as { example?: unknown } | undefined)?.example;
      if (example === undefined || value === contracts.QueryTime) continue;
      const parsed = value.safeParse(example);
      expect(parsed.success, `${String(z.globalRegistry.get(value)?.id)}: ${parsed.error?.message}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("serves the documentation page", async () => {
    expect((await h.server.inject({ method: "GET", url: "/docs" })).statusCode).toBe(200);
  });
});
