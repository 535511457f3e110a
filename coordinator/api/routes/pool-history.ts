import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { PoolHistoryQuery, PoolHistoryResponse } from "../../../contracts/event-stream.js";
import { errorResponse, errorResponses, FleetError } from "../../../contracts/index.js";
import { productScope } from "../../auth/principal.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

/** The last hour of each pool's scale (desired and actual replicas, depth, leases), from memory. */
export function registerPoolHistoryRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const history = ctx.poolHistory;
  if (history === undefined) return;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);

  api.get(
    "/fleet/pools/history",
    {
      schema: {
        tags: ["fleet"],
        summary: "Per-pool scale samples of the last hour and the jobs that ended in it (kept in the coordinator's memory)",
        querystring: PoolHistoryQuery,
        response: {
          200: PoolHistoryResponse,
          ...errorResponses(400, 401, 403, 429, 503),
          ...errorResponse(404, "NOT_FOUND: no pool of that name in the topology (the message lists them)"),
        },
      },
      preHandler: operator,
    },
    async (request): Promise<PoolHistoryResponse> => {
      const scope = productScope(operatorOf(request));
      const pools = history.samples(request.query.pool);
      if (pools === undefined) {
        const known = ctx.coordinator.poolViews().map((pool) => pool.definition.name);
        throw new FleetError("NOT_FOUND", `no pool '${request.query.pool}' in the topology (pools: ${known.join(", ")})`);
      }
      const ended = ctx.streams?.hub.endings.lastHour(scope) ?? { shipped: 0, failed: 0, deadLettered: 0, cancelled: 0 };
      return { intervalMs: history.intervalMs, windowMs: history.windowMs, pools, lastHour: ended };
    },
  );
}
