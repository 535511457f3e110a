import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  ActionBody,
  ActionParams,
  AddChildrenBody,
  ExplainQuery,
  FleetError,
  JobIdParams,
  ListJobsQuery,
  PatchJobBody,
  SubmitJobBody,
} from "../../../contracts/index.js";
import { JobEventsQuery } from "../../../contracts/event-stream.js";
import { productScope } from "../../auth/principal.js";
import { factoryOf, operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

/** The job routes of the seed's REST surface. */
export function registerJobRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  const factory = requireRole(ctx.credentials, "factory", ctx.limiter);
  const anyone = requireRole(ctx.credentials, "any", ctx.limiter);

  api.post(
    "/fleet/jobs",
    { schema: { tags: ["jobs"], summary: "Submit a job (idempotent by key)", body: SubmitJobBody }, preHandler: operator },
    async (request, reply) => {
      const principal = operatorOf(request);
      if (principal.productId === "*") {
        throw new FleetError(
          "FORBIDDEN",
          "a fleet-wide operator key cannot submit: jobs belong to a product, so use that product's key",
        );
      }
      const result = await ctx.coordinator.submit(principal.productId, request.body);
      ctx.kick();
      return reply.status(result.outcome === "created" ? 201 : 200).send({
        outcome: result.outcome,
        job: result.job,
        children: result.children.map((child) => ({ id: child.id, idempotencyKey: child.idempotencyKey, stage: child.stage })),
      });
    },
  );

  api.get(
    "/fleet/jobs",
    { schema: { tags: ["jobs"], summary: "List jobs, newest first", querystring: ListJobsQuery }, preHandler: operator },
    async (request) => ctx.coordinator.listJobs(productScope(operatorOf(request)), request.query),
  );

  api.get(
    "/fleet/jobs/:id",
    { schema: { tags: ["jobs"], summary: "Get a job", params: JobIdParams }, preHandler: anyone },
    async (request) => ctx.coordinator.getJob(productScope(request.principal!), request.params.id),
  );

  api.patch(
    "/fleet/jobs/:id",
    { schema: { tags: ["jobs"], summary: "Fenced stage transition by the lease holder", params: JobIdParams, body: PatchJobBody }, preHandler: factory },
    async (request) => ctx.coordinator.report(factoryOf(request), request.params.id, request.body),
  );

  api.post(
    "/fleet/jobs/:id/actions/:action",
    { schema: { tags: ["jobs"], summary: "Operator action: requeue, reject, cancel, ship", params: ActionParams, body: ActionBody.optional() }, preHandler: operator },
    async (request) => {
      const job = await ctx.coordinator.action(productScope(operatorOf(request)), request.params.id, request.params.action, request.body?.reason);
      ctx.kick();
      return job;
    },
  );

  api.post(
    "/fleet/jobs/:id/children",
    { schema: { tags: ["dag"], summary: "Add child jobs to a composite job that has not started", params: JobIdParams, body: AddChildrenBody }, preHandler: operator },
    async (request, reply) => {
      const principal = operatorOf(request);
      const result = await ctx.coordinator.addChildren(principal.productId, request.params.id, request.body.children);
      ctx.kick();
      return reply.status(201).send({ job: result.job, children: result.children.map((c) => ({ id: c.id, idempotencyKey: c.idempotencyKey, stage: c.stage })) });
    },
  );

  api.get(
    "/fleet/jobs/:id/runs",
    { schema: { tags: ["jobs"], summary: "Attempts of a job", params: JobIdParams }, preHandler: operator },
    async (request) => ({ items: await ctx.coordinator.runs(productScope(operatorOf(request)), request.params.id) }),
  );

  api.get(
    "/fleet/jobs/:id/events",
    { schema: { tags: ["jobs"], summary: "The job's timeline (after=<seq>: only later events)", params: JobIdParams, querystring: JobEventsQuery }, preHandler: operator },
    async (request) => {
      const after = request.query.after ?? -1;
      return { items: (await ctx.coordinator.events(productScope(operatorOf(request)), request.params.id)).filter((event) => event.seq > after) };
    },
  );

  api.get(
    "/fleet/jobs/:id/explain",
    {
      schema: { tags: ["jobs"], summary: "Every term of the job's score and of each pool's eligibility", params: JobIdParams, querystring: ExplainQuery },
      preHandler: operator,
    },
    async (request) => {
      const override = Object.fromEntries(Object.entries(request.query).filter(([, v]) => v !== undefined));
      return ctx.coordinator.explain(productScope(operatorOf(request)), request.params.id, Object.keys(override).length === 0 ? undefined : override);
    },
  );

  api.get(
    "/fleet/jobs/:id/dag",
    { schema: { tags: ["dag"], summary: "The job's dependency graph and children", params: JobIdParams }, preHandler: operator },
    async (request) => ctx.coordinator.dag(productScope(operatorOf(request)), request.params.id),
  );

}
