import type { FastifyInstance } from "fastify";
import { errorResponses, FleetMetricsResponse, PoolsResponse, QueueStateResponse } from "../../../contracts/index.js";
import { productScope } from "../../auth/principal.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

/** Fleet-wide views for operators: pools, queue state, metrics. */
export function registerFleetRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);

  const errors = errorResponses(401, 403, 429, 503);
  app.get(
    "/fleet/pools",
    { schema: { tags: ["fleet"], summary: "Pools with capacity, in-flight leases, ready jobs and scale facts", response: { 200: PoolsResponse, ...errors } }, preHandler: operator },
    async () => {
      const extras = (await ctx.poolFacts?.()) ?? {};
      const ready = ctx.coordinator.readyByPool();
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
          readyJobs: ready.get(pool.definition.name) ?? 0,
          health: pool.health,
          paused: pool.paused,
          assignedTotal: pool.assignedTotal,
          acceptLatencyAvgMs: pool.acceptLatencyAvgMs === undefined ? null : Math.round(pool.acceptLatencyAvgMs),
          ...(extras[pool.definition.name] ?? {}),
        })),
      };
    },
  );

  app.get("/fleet/queue-state", { schema: { tags: ["fleet"], summary: "Counts of active jobs by stage and index sizes", response: { 200: QueueStateResponse, ...errors } }, preHandler: operator }, async () =>
    ctx.coordinator.queueState(),
  );

  app.get("/fleet/metrics", { schema: { tags: ["fleet"], summary: "Coordinator counters and store operation counts", response: { 200: FleetMetricsResponse, ...errors } }, preHandler: operator }, async (request) => {
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
