import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  BulkDiscardBody,
  BulkDiscardResponse,
  BulkReplayBody,
  BulkReplayResponse,
  DeadLetterDetailResponse,
  DeadLetterListResponse,
  errorResponses,
  JobDocument,
  JobIdParams,
  ListDeadLettersQuery,
  OptionalActionBody,
} from "../../../contracts/index.js";
import { productScope } from "../../auth/principal.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

/** One operator view over broker dead letters and jobs whose retries ran out. */
export function registerDeadLetterRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  const view = ctx.deadLetters;
  const errors = errorResponses(400, 401, 403, 404, 429, 503);
  const actionErrors = errorResponses(400, 401, 403, 404, 409, 429, 503);

  api.get(
    "/fleet/dlq",
    { schema: { tags: ["dead letters"], summary: "Dead letters, newest first (filter by pool, reason, source, product)", querystring: ListDeadLettersQuery, response: { 200: DeadLetterListResponse, ...errors } }, preHandler: operator },
    async (request) => {
      const { limit, continuation, ...filter } = request.query;
      return view.list(productScope(operatorOf(request)), filter, limit, continuation);
    },
  );
  api.get(
    "/fleet/dlq/:id",
    { schema: { tags: ["dead letters"], summary: "One dead letter with its runs", params: JobIdParams, response: { 200: DeadLetterDetailResponse, ...errors } }, preHandler: operator },
    async (request) => view.get(productScope(operatorOf(request)), request.params.id),
  );
  api.post(
    "/fleet/dlq/:id/replay",
    {
      schema: {
        tags: ["dead letters"],
        summary: "Replay: new epoch, retries start over, the job runs once",
        description: "No body. A job that is not a dead letter is 409 ILLEGAL_TRANSITION naming its stage.",
        params: JobIdParams,
        response: { 200: JobDocument, ...actionErrors },
      },
      preHandler: operator,
    },
    async (request) => {
      const job = await view.replay(productScope(operatorOf(request)), request.params.id);
      ctx.kick();
      return job;
    },
  );
  api.post(
    "/fleet/dlq/:id/discard",
    {
      schema: {
        tags: ["dead letters"],
        summary: "Discard: keep the record, leave the operator view",
        description: "The body is optional ({ reason }). A job that is not a dead letter is 409 ILLEGAL_TRANSITION naming its stage.",
        params: JobIdParams,
        body: OptionalActionBody,
        response: { 200: JobDocument, ...actionErrors },
      },
      preHandler: operator,
    },
    async (request) => view.discard(productScope(operatorOf(request)), request.params.id, request.body.reason),
  );
  api.post(
    "/fleet/dlq/replay",
    { schema: { tags: ["dead letters"], summary: "Bulk replay by filter (dryRun defaults to true)", body: BulkReplayBody, response: { 200: BulkReplayResponse, ...errorResponses(400, 401, 403, 429, 503) } }, preHandler: operator },
    async (request) => {
      const result = await view.bulkReplay(productScope(operatorOf(request)), request.body.filter, request.body.dryRun, request.body.max);
      if (!result.dryRun) ctx.kick();
      return result;
    },
  );
  api.post(
    "/fleet/dlq/discard",
    {
      schema: {
        tags: ["dead letters"],
        summary: "Bulk discard by filter (dryRun defaults to true)",
        body: BulkDiscardBody,
        response: { 200: BulkDiscardResponse, ...errorResponses(400, 401, 403, 429, 503) },
      },
      preHandler: operator,
    },
    async (request) => view.bulkDiscard(productScope(operatorOf(request)), request.body.filter, request.body.dryRun, request.body.max, request.body.reason),
  );
}
