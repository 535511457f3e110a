import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context.js";

/** Unauthenticated probes and the Prometheus scrape endpoint (expose it only inside the cluster). */
export function registerHealthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get("/healthz", { schema: { tags: ["health"], summary: "Liveness" } }, async () => ({ ok: true }));
  app.get("/readyz", { schema: { tags: ["health"], summary: "Readiness: indexes rebuilt, store and broker reachable (503 with the failing checks otherwise)" } }, async (_request, reply) => {
    const readiness = ctx.readiness();
    return readiness.ready ? readiness : reply.status(503).send(readiness);
  });
  app.get("/metrics", { schema: { tags: ["health"], summary: "Prometheus metrics", hide: false } }, async (_request, reply) =>
    reply.type("text/plain; version=0.0.4").send(await ctx.metrics.render()),
  );
}
