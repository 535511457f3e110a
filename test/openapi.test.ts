import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import * as eventStreams from "../contracts/event-stream.js";
import * as contracts from "../contracts/index.js";
import { MemoryStore } from "../store/memory/memory-store.js";
import { type ApiHarness, startApiHarness } from "./support/api-harness.js";

interface Operation {
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string; allOf?: { $ref: string }[]; example?: unknown } }> }>;
}

/** The routes that answer Server-Sent Events, the one that answers Prometheus text, and the
 * artifact download (the stored bytes); every other route answers JSON. */
const STREAMS = ["/fleet/events/stream", "/fleet/jobs/{id}/events/stream"];
const mediaTypeOf = (path: string, method: string) =>
  STREAMS.includes(path)
    ? "text/event-stream"
    : path === "/metrics"
      ? "text/plain"
      : path === "/fleet/artifacts/{id}" && method === "get"
        ? "application/octet-stream"
        : "application/json";

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

  it("gives every success status of every route a schema and an example, in the media type the route answers", () => {
    expect(operations().length).toBeGreaterThan(20);
    expect(Object.keys(doc.paths).filter((path) => path.endsWith("/stream")).sort()).toEqual(STREAMS);
    for (const { path, method, op } of operations()) {
      const successes = Object.entries(op.responses).filter(([status]) => status.startsWith("2"));
      expect(successes.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const [status, response] of successes) {
        const where = `${method} ${path} ${status}`;
        if (status === "204") {
          expect(response.content, `${where} has no body`).toBeUndefined();
          expect(response.description, where).not.toBe("Default Response");
          continue;
        }
        const media = mediaTypeOf(path, method);
        expect(Object.keys(response.content ?? {}), where).toEqual([media]);
        const schema = response.content![media]!.schema;
        expect(schemaOf(schema)?.example, `${where} has no example`).toBeDefined();
      }
    }
  });

  it("documents the streams as Server-Sent Events: every event type described, an example of real frames", () => {
    for (const path of STREAMS) {
      const response = doc.paths[path]!.get!.responses["200"]!;
      const schema = schemaOf(response.content!["text/event-stream"]!.schema) as { description?: string; example?: string };
      const frames = schema.example!.split("\n\n").filter((frame) => frame.includes("event: "));
      expect(frames.length, path).toBeGreaterThan(1);
      for (const frame of frames) {
        const event = /^event: (.+)$/m.exec(frame)![1]!;
        expect(schema.description, `${path} describes ${event}`).toContain(`\`${event}\``);
        expect(frame, path).toMatch(/^id: \S+$/m);
        expect(() => JSON.parse(/^data: (.*)$/m.exec(frame)![1]!), `${path}: ${frame}`).not.toThrow();
      }
      expect(schema.description, path).toContain("`error`");
    }
  });

  it("leaves the console's files out of the document (they are the built app's assets, not API)", async () => {
    expect(Object.keys(doc.paths).filter((path) => path === "/" || path.startsWith("/ui"))).toEqual([]);
    // Served all the same: the app when it is built, a page saying how to build it otherwise.
    expect([200, 503]).toContain((await h.server.inject({ method: "GET", url: "/ui/" })).statusCode);
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
    for (const [path, method, status] of [
      ["/fleet/schedules/{name}", "get", "404"],
      ["/fleet/pools/{name}/drain", "post", "404"],
      ["/fleet/factories/{id}/token/rotate", "post", "404"],
      ["/fleet/factories/enroll", "post", "409"],
      ["/fleet/operators", "post", "409"],
      ["/fleet/jobs/{id}/events/stream", "get", "404"],
      ["/fleet/pools/history", "get", "404"],
    ] as const) {
      expect(doc.paths[path]![method]!.responses[status]?.description, `${method} ${path} ${status}`).toMatch(/^[A-Z_]+: /);
    }
  });

  it("says that deps take idempotency keys", () => {
    const body = JSON.stringify(doc.paths["/fleet/jobs"]!.post!.requestBody);
    expect(body).toContain("Idempotency keys (not job ids)");
  });

  it("has examples that their own schemas accept", () => {
    let checked = 0;
    for (const value of [...Object.values(contracts), ...Object.values(eventStreams)]) {
      if (!(value instanceof z.ZodType)) continue;
      const example = (z.globalRegistry.get(value) as { example?: unknown } | undefined)?.example;
      if (example === undefined || value === contracts.QueryTime) continue;
      const parsed = value.safeParse(example);
      expect(parsed.success, `${String(z.globalRegistry.get(value)?.id)}: ${parsed.error?.message}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it("serves the documentation page", async () => {
    expect((await h.server.inject({ method: "GET", url: "/docs" })).statusCode).toBe(200);
  });
});
