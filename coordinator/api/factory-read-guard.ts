import type { FastifyRequest } from "fastify";
import { FleetError, RUNNING_STAGES } from "../../contracts/index.js";
import type { ApiContext } from "./context.js";

/**
 * preHandler hook: a factory reads a job only while it holds the job's lease. Everything else of
 * its product, bodies included, is NOT_FOUND, worded as for a job that does not exist. Answered
 * from the coordinator's memory of active jobs: no store read. (Writes by factories are fenced by
 * epoch and lease holder in the lifecycle rules.)
 */
export function factoryReadsOnlyItsLeases(ctx: Pick<ApiContext, "coordinator">) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = request.principal;
    if (principal?.kind !== "factory" || request.method !== "GET") return;
    if (!(request.routeOptions.url ?? "").startsWith("/fleet/jobs/:id")) return;
    const id = String((request.params as { id?: unknown }).id ?? "");
    const job = ctx.coordinator.activeJob(id);
    const holds =
      job !== undefined &&
      RUNNING_STAGES.has(job.stage) &&
      job.lease?.factoryId === principal.factoryId &&
      (principal.productId === "*" || job.productId === principal.productId);
    if (!holds) throw new FleetError("NOT_FOUND", `job ${id} not found`);
  };
}
