import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { ActionBody, BulkReplayBody, JobIdParams, ListDeadLettersQuery } from "../../../contracts/index.js";
import { productScope } from "../../auth/principal.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

/** One operator view over broker dead letters and jobs whose retries ran out. */
export function registerDeadLetterRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  const view = ctx.deadLetters;

  api.get(
    "/fleet/dlq",
    { schema: { tags: ["dead letters"], summary: "Dead letters, newest first (filter by pool, reason, source, product)", querystring: ListDeadLettersQuery }, preHandler: operator },
    async (request) => {
      const { limit, continuation, ...filter } = request.query;
      return view.list(productScope(operatorOf(request)), filter, limit, continuation);
    },
  );
  api.get(
    "/fleet/dlq/:id",
    { schema: { tags: ["dead letters"], summary: "One dead letter with its runs", params: JobIdParams }, preHandler: operator },
    async (request) => view.get(productScope(operatorOf(request)), request.params.id),
  );
  api.post(
    "/fleet/dlq/:id/replay",
    { schema: { tags: ["dead letters"], summary: "Replay: new epoch, retries start over, the job runs once", params: JobIdParams }, preHandler: operator },
    async (request) => {
      const job = await view.replay(productScope(operatorOf(request)), request.params.id);
      ctx.kick();
      return job;
    },
  );
  api.post(
    "/fleet/dlq/:id/discard",
    { schema: { tags: ["dead letters"], summary: "Discard: keep the record, leave the operator view", params: JobIdParams, body: ActionBody.optional() }, preHandler: operator },
    async (request) => view.discard(productScope(operatorOf(request)), request.params.id, request.body?.reason),
  );
  api.post(
    "/fleet/dlq/replay",
    { schema: { tags: ["dead letters"], summary: "Bulk replay by filter (dryRun defaults to true)", body: BulkReplayBody }, preHandler: operator },
    async (request) => {
      const result = await view.bulkReplay(productScope(operatorOf(request)), request.body.filter, request.body.dryRun, request.body.max);
      if (!result.dryRun) ctx.kick();
      return result;
    },
  );
}
