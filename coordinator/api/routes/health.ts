import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context.js";

/** Unauthenticated probes and the Prometheus scrape endpoint (expose it only inside the cluster). */
export function registerHealthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get("/healthz", { schema: { tags: ["health"], summary: "Liveness" } }, async () => ({ ok: true }));
  app.get("/readyz", { schema: { tags: ["health"], summary: "Readiness: store reachable and indexes rebuilt" } }, async (_request, reply) =>
    ctx.ready() ? { ready: true } : reply.status(503).send({ ready: false }),
  );
  app.get("/metrics", { schema: { tags: ["health"], summary: "Prometheus metrics", hide: false } }, async (_request, reply) =>
    reply.type("text/plain; version=0.0.4").send(await ctx.metrics.render()),
  );
}
