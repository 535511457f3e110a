import type { FastifyInstance } from "fastify";
import { HealthResponse, PrometheusMetrics, ReadinessResponse, textResponse } from "../../../contracts/index.js";
import type { ApiContext } from "../context.js";

/** Unauthenticated probes and the Prometheus scrape endpoint (expose it only inside the cluster). */
export function registerHealthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get("/healthz", { schema: { tags: ["health"], summary: "Liveness", response: { 200: HealthResponse } } }, async () => ({ ok: true }));
  app.get("/readyz", { schema: { tags: ["health"], summary: "Readiness: indexes rebuilt, store and broker reachable (503 with the failing checks otherwise)", response: { 200: ReadinessResponse, 503: ReadinessResponse } } }, async (_request, reply) => {
    const readiness = ctx.readiness();
    return readiness.ready ? readiness : reply.status(503).send(readiness);
  });
  app.get(
    "/metrics",
    { schema: { tags: ["health"], summary: "Prometheus metrics", response: { 200: textResponse("text/plain", PrometheusMetrics, "The metrics of this process, read from memory") } } },
    async (_request, reply) =>
      reply.type("text/plain; version=0.0.4").send(await ctx.metrics.render()),
  );
}
