import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { JobIdParams, LeaseEpochBody, ReleaseLeaseBody } from "../../../contracts/index.js";
import { factoryOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

/** Factory calls on leases: accept an assignment, keep its lease alive, release it. (Heartbeats
 * and the rest of a factory's life: routes/factories.ts.) */
export function registerLeaseRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const factory = requireRole(ctx.credentials, "factory", ctx.limiter);

  api.post(
    "/fleet/jobs/:id/lease/accept",
    {
      schema: {
        tags: ["leases"],
        summary: "Accept the assignment of an epoch; returns the full job. A second accept of the epoch by another factory gets 409 LEASE_TAKEN",
        params: JobIdParams,
        body: LeaseEpochBody,
      },
      onRequest: factory,
    },
    async (request) => ctx.coordinator.accept(factoryOf(request), request.params.id, request.body.leaseEpoch),
  );

  api.post(
    "/fleet/jobs/:id/lease/renew",
    {
      schema: {
        tags: ["leases"],
        summary: "Extend the accepted lease. `stop` in the answer: checkpoint and release with outcome drained; `drain`: finish, take no new work, exit",
        params: JobIdParams,
        body: LeaseEpochBody,
      },
      onRequest: factory,
    },
    async (request) => {
      const job = await ctx.coordinator.renew(factoryOf(request), request.params.id, request.body.leaseEpoch);
      return { jobId: job.id, leaseEpoch: job.leaseEpoch, expiresAt: job.lease?.expiresAt, ...ctx.coordinator.leaseDirectives(job) };
    },
  );

  api.post(
    "/fleet/jobs/:id/lease/release",
    { schema: { tags: ["leases"], summary: "End the attempt with its outcome", params: JobIdParams, body: ReleaseLeaseBody }, onRequest: factory },
    async (request) => {
      const job = await ctx.coordinator.release(factoryOf(request), request.params.id, request.body);
      ctx.kick();
      return { jobId: job.id, stage: job.stage, leaseEpoch: job.leaseEpoch, retries: job.retries };
    },
  );
}
