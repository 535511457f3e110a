import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  ActionParams,
  AddChildrenResponse,
  AddChildrenBody,
  DEPS_DESCRIPTION,
  errorResponses,
  FleetError,
  JobDocument,
  JobIdParams,
  JobListResponse,
  ListJobsQuery,
  OptionalActionBody,
  PatchJobBody,
  SubmitJobBody,
  SubmitResponse,
} from "../../../contracts/index.js";
import { productScope } from "../../auth/principal.js";
import { factoryOf, operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

/** Submitting, listing and changing jobs. */
export function registerJobRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  const factory = requireRole(ctx.credentials, "factory", ctx.limiter);
  const anyone = requireRole(ctx.credentials, "any", ctx.limiter);

  api.post(
    "/fleet/jobs",
    {
      schema: {
        tags: ["jobs"],
        summary: "Submit a job (idempotent by key)",
        description: `201 when created, 200 when the key exists with the same content (or superseded it before it started). deps: ${DEPS_DESCRIPTION}`,
        body: SubmitJobBody,
        response: { 200: SubmitResponse, 201: SubmitResponse, ...errorResponses(400, 401, 403, 409, 413, 429, 503) },
      },
      preHandler: operator,
    },
    async (request, reply) => {
      const principal = operatorOf(request);
      if (principal.productId === "*") {
        throw new FleetError("FORBIDDEN", "a fleet-wide operator key cannot submit: jobs belong to a product, so use that product's key", undefined, { hint: false });
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
    {
      schema: {
        tags: ["jobs"],
        summary: "List jobs: summaries (or whole documents), filtered, sorted, paged; with totals per stage",
        querystring: ListJobsQuery,
        response: { 200: JobListResponse, ...errorResponses(400, 401, 403, 429, 503) },
      },
      preHandler: operator,
    },
    async (request) => ctx.coordinator.listJobs(productScope(operatorOf(request)), request.query),
  );

  api.get(
    "/fleet/jobs/:id",
    { schema: { tags: ["jobs"], summary: "Get a job", params: JobIdParams, response: { 200: JobDocument, ...errorResponses(401, 403, 404, 429, 503) } }, preHandler: anyone },
    async (request) => ctx.coordinator.getJob(productScope(request.principal!), request.params.id),
  );

  api.patch(
    "/fleet/jobs/:id",
    {
      schema: {
        tags: ["jobs"],
        summary: "Fenced stage transition by the lease holder",
        params: JobIdParams,
        body: PatchJobBody,
        response: { 200: JobDocument, ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
      preHandler: factory,
    },
    async (request) => ctx.coordinator.report(factoryOf(request), request.params.id, request.body),
  );

  api.post(
    "/fleet/jobs/:id/actions/:action",
    {
      schema: {
        tags: ["jobs"],
        summary: "Operator action: requeue, reject, cancel, ship",
        description: "The body is optional: none, an empty body or {} mean no reason. ship is idempotent; any other action from a stage that does not allow it is 409 ILLEGAL_TRANSITION.",
        params: ActionParams,
        body: OptionalActionBody,
        response: { 200: JobDocument, ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
      preHandler: operator,
    },
    async (request) => {
      const job = await ctx.coordinator.action(productScope(operatorOf(request)), request.params.id, request.params.action, request.body.reason);
      ctx.kick();
      return job;
    },
  );

  api.post(
    "/fleet/jobs/:id/children",
    {
      schema: {
        tags: ["dag"],
        summary: "Add child jobs to a composite job that has not started",
        params: JobIdParams,
        body: AddChildrenBody,
        response: { 201: AddChildrenResponse, ...errorResponses(400, 401, 403, 404, 409, 413, 429, 503) },
      },
      preHandler: operator,
    },
    async (request, reply) => {
      const principal = operatorOf(request);
      const result = await ctx.coordinator.addChildren(principal.productId, request.params.id, request.body.children);
      ctx.kick();
      return reply.status(201).send({ job: result.job, children: result.children.map((c) => ({ id: c.id, idempotencyKey: c.idempotencyKey, stage: c.stage })) });
    },
  );
}
