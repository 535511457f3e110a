import type { FastifyInstance } from "fastify";
import { productScope } from "../../auth/principal.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

/** Fleet-wide views for operators: pools, queue state, metrics. */
export function registerFleetRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);

  app.get("/fleet/pools", { schema: { tags: ["fleet"], summary: "Pools with capacity, in-flight leases and scale facts" }, preHandler: operator }, async () => {
    const extras = (await ctx.poolFacts?.()) ?? {};
    return {
      items: ctx.coordinator.poolViews().map((pool) => ({
        name: pool.definition.name,
        capabilities: pool.definition.capabilities,
        workload: pool.definition.workload,
        trigger: pool.definition.trigger,
        seats: pool.definition.seats,
        minReplicas: pool.definition.minReplicas,
        maxReplicas: pool.definition.maxReplicas,
        capacityWindow: pool.capacity,
        inFlightLeases: pool.inFlight,
        awaitingAccept: pool.awaitingAccept,
        health: pool.health,
        paused: pool.paused,
        assignedTotal: pool.assignedTotal,
        acceptLatencyAvgMs: pool.acceptLatencyAvgMs === undefined ? null : Math.round(pool.acceptLatencyAvgMs),
        ...(extras[pool.definition.name] ?? {}),
      })),
    };
  });

  app.get("/fleet/queue-state", { schema: { tags: ["fleet"], summary: "Counts of active jobs by stage and index sizes" }, preHandler: operator }, async () =>
    ctx.coordinator.queueState(),
  );

  app.get("/fleet/metrics", { schema: { tags: ["fleet"], summary: "Coordinator counters and store operation counts" }, preHandler: operator }, async (request) => {
    operatorOf(request);
    const stats = ctx.storeStats();
    return {
      productScope: productScope(request.principal!) ?? "*",
      counters: ctx.coordinator.counters,
      store: stats,
      queue: ctx.coordinator.queueState(),
    };
  });
}
